#include "runtime/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "runtime/error.h"

namespace tailor::io {

static std::string errno_text() {
  return std::strerror(errno);
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  TAILOR_CHECK(fd >= 0, UserError, path, ": cannot create temp file ", tmp, ": ", errno_text());
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = n < 0 ? errno_text() : "short write";
      ::close(fd);
      ::unlink(tmp.c_str());
      throw UserError(path + ": write failed after " + std::to_string(done) + " of " +
                      std::to_string(bytes.size()) + " bytes: " + why + " (previous file kept)");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw UserError(path + ": fsync failed: " + why + " (previous file kept)");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw UserError(path + ": rename from temp file failed: " + why);
  }
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  if (dir.empty()) dir = "/";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::string read_file(const std::string& path, size_t max_bytes) {
  struct stat st;
  TAILOR_CHECK(::stat(path.c_str(), &st) == 0, UserError, path, ": cannot open: ", errno_text());
  TAILOR_CHECK(S_ISREG(st.st_mode), UserError, path, ": not a regular file");
  TAILOR_CHECK(static_cast<size_t>(st.st_size) <= max_bytes, UserError, path, ": file is ",
               st.st_size, " bytes, over the limit of ", max_bytes);
  std::ifstream in(path, std::ios::binary);
  TAILOR_CHECK(in, UserError, path, ": cannot open: ", errno_text());
  std::string s(static_cast<size_t>(st.st_size), '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  TAILOR_CHECK(in.gcount() == static_cast<std::streamsize>(s.size()), UserError, path,
               ": short read");
  return s;
}

}  // namespace tailor::io

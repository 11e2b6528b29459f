#pragma once
// Atomic file writes: write to PATH.tmp.<pid>, fsync, rename over PATH, fsync the directory.
// A reader sees either the old file or the whole new one, never a torn write, even after
// SIGKILL or power loss mid-write.
#include <string>

namespace tailor::io {

// Writes `bytes` to `path` atomically. Throws UserError naming the path on any failure
// (e.g. disk full), leaving the previous file intact and removing the temp file.
void write_file_atomic(const std::string& path, const std::string& bytes);

// Reads a whole file; throws UserError naming the path if it cannot. Refuses files larger
// than max_bytes before allocating.
std::string read_file(const std::string& path, size_t max_bytes = size_t(4) << 30);

}  // namespace tailor::io

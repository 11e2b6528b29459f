// A TF tensor-bundle .index: the SSTable, then the bundle header and entries.
#include "engine/io/tf_checkpoint.h"
#include "fuzz/fuzz_util.h"
#include "runtime/io/sstable.h"

using namespace tailor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string path = std::string(fuzz::kNowhere) + "/model.ckpt.index";
  fuzz::expect_only_user_error([&] {
    io::TfCheckpoint ckpt = io::TfCheckpoint::parse_index(bytes, path);
    for (const io::TfCheckpointEntry& e : ckpt.entries()) {
      io::tf_dtype_label(e);
      ckpt.find(e.name);
    }
  });
  return 0;
}

// TFRecord framing, then every record as a tf.Example with the OD API keys.
#include "data/tf_example.h"
#include "data/tfrecord.h"
#include "fuzz/fuzz_util.h"

using namespace tailor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::expect_only_user_error([&] {
    auto reader = data::TfRecordReader::from_bytes(fuzz::as_string(data, size), "fuzz.record",
                                                   uint64_t(1) << 20);
    std::string payload;
    while (reader.next(&payload)) {
      fuzz::expect_only_user_error([&] {
        data::FeatureMap f = data::parse_tf_example(payload, "fuzz.record: record");
        data::example_from_features(f, "fuzz.record: record", &fuzz::clothing_labels());
      });
    }
  });
  return 0;
}

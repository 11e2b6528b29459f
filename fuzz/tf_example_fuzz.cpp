// A tf.Example payload: wire parsing, the OD API keys, and a serialize round trip.
#include "data/tf_example.h"
#include "fuzz/fuzz_util.h"

using namespace tailor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::expect_only_user_error([&] {
    const std::string bytes = fuzz::as_string(data, size);
    data::FeatureMap f = data::parse_tf_example(bytes, "fuzz example");
    // What Tailor writes back must parse again to the same features.
    data::FeatureMap again = data::parse_tf_example(data::serialize_tf_example(f), "round trip");
    if (again.size() != f.size()) __builtin_trap();
    data::example_from_features(f, "fuzz example", &fuzz::clothing_labels());
  });
  return 0;
}

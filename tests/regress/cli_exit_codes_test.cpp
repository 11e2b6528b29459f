// The built `tailor` binary on bad input: UserError -> 1 with the file named, usage errors
// (CLI11 parse errors included) -> 2, and never death by a signal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/io/atomic_file.h"
#include "tests/support/cli.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kTailor = tailor::testing::tailor_binary();

std::string scratch() {
  const std::string dir = std::string(TAILOR_BINARY_DIR) + "/test_scratch/regress/cli";
  fs::create_directories(dir);
  return dir;
}

struct TailorRun {
  int exit_code = -1;
  bool signaled = false;
  std::string output;  // stdout and stderr together
};

// Each test logs to its own file: ctest runs these cases in parallel.
TailorRun run_tailor(const std::string& args) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string log = scratch() + "/" + info->name() + ".txt";
  TailorRun r;
  r.exit_code = tailor::testing::run_tailor(args, log);
  r.signaled = r.exit_code >= 128;
  r.output = tailor::testing::slurp(log);
  return r;
}

class CliExitCodes : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kTailor)) GTEST_SKIP() << kTailor << " is not built";
  }
};

TEST_F(CliExitCodes, CorruptTfliteIsAUserErrorNamingTheFile) {
  const std::string real = tailor::io::read_file(
      std::string(TAILOR_SHARED_DIR) + "/weights/ssd_mobilenet_v1_0.75_quant_coco/detect.tflite");
  const std::string path = scratch() + "/corrupt.tflite";
  tailor::io::write_file_atomic(path, real.substr(0, 5000));
  TailorRun r = run_tailor("inspect " + path);
  EXPECT_FALSE(r.signaled);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr(path)) << r.output;
}

TEST_F(CliExitCodes, BadYamlIsAUserErrorNamingTheFile) {
  const std::string path = scratch() + "/bad.yaml";
  tailor::io::write_file_atomic(path, "model: {ssd: [unclosed\ntrain: 3\n");
  TailorRun r = run_tailor("config check " + path);
  EXPECT_FALSE(r.signaled);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr(path)) << r.output;

  // Valid YAML, absurd value: the message names the file and the key path.
  const std::string src = tailor::io::read_file(std::string(TAILOR_SOURCE_DIR) +
                                                "/configs/ssd_mobilenet_v1_clothing.yaml");
  std::string absurd = src;
  const size_t at = absurd.find("batch_size:");
  ASSERT_NE(at, std::string::npos);
  absurd.replace(at, absurd.find('\n', at) - at, "batch_size: 100000000");
  const std::string cfg = scratch() + "/absurd.yaml";
  tailor::io::write_file_atomic(cfg, absurd);
  r = run_tailor("config check " + cfg);
  EXPECT_FALSE(r.signaled);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr(cfg)) << r.output;
  EXPECT_THAT(r.output, HasSubstr("train.batch_size")) << r.output;
}

TEST_F(CliExitCodes, MissingFileIsAUserError) {
  TailorRun r = run_tailor("inspect " + scratch() + "/no_such_model.tflite");
  EXPECT_FALSE(r.signaled);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("no_such_model.tflite")) << r.output;
}

TEST_F(CliExitCodes, CommandLineMistakesAreUsageErrors) {
  for (const char* args :
       {"--no-such-flag", "", "no-such-command", "inspect", "config check --bogus x.yaml"}) {
    TailorRun r = run_tailor(args);
    EXPECT_FALSE(r.signaled) << args;
    EXPECT_EQ(r.exit_code, 2) << "tailor " << args << "\n" << r.output;
  }
}

TEST_F(CliExitCodes, HelpIsSuccess) {
  TailorRun r = run_tailor("--help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("inspect"));
}

}  // namespace

// Crash safety of `tailor train`, through the real binary: SIGKILL mid-run never leaves a
// half-written checkpoint behind a checkpoint name, a run resumed after a kill ends bit for
// bit where an uninterrupted run ends, and a full disk is a clear error that keeps the
// previous checkpoint.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/io/checkpoint.h"
#include "pipeline/model_io/checkpoint_files.h"
#include "tests/support/cli.h"
#include "tests/train/same_checkpoints.h"
#include "tests/train/tiny_run.h"

namespace tailor {
namespace {

namespace fs = std::filesystem;

using testing::slurp;

std::string tailor_bin() {
  return testing::tailor_binary();
}

// Runs `tailor train` in a child; returns its pid. Output goes to `log`.
pid_t spawn_train(const std::string& config, int64_t steps, bool resume, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen(log.c_str(), "a", stderr);
    (void)f;
    const std::string steps_arg = std::to_string(steps);
    if (resume)
      execl(tailor_bin().c_str(), "tailor", "train", "--config", config.c_str(), "--steps",
            steps_arg.c_str(), "--resume", static_cast<char*>(nullptr));
    else
      execl(tailor_bin().c_str(), "tailor", "train", "--config", config.c_str(), "--steps",
            steps_arg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return testing::exit_code_of(status);
}

TEST(CrashSafety, SigkillMidRunKeepsCheckpointsAndResumeIsBitExact) {
  const std::string ref = testing::tiny_scratch("kill_ref");
  const std::string dir = testing::tiny_scratch("kill");
  testing::make_tiny_voc(ref, 6);
  testing::make_tiny_voc(dir, 6);
  // A checkpoint every step: the process spends much of its time writing (and fsyncing)
  // checkpoints, so the kills below land both inside a step and inside a write.
  const int64_t kSteps = 24;
  ASSERT_EQ(
      wait_exit(spawn_train(testing::tiny_config(ref, kSteps, 1), kSteps, false, ref + "/log")), 0)
      << slurp(ref + "/log");

  const std::string cfg = testing::tiny_config(dir, kSteps, 1);
  bool resume = false;
  for (int kill_round = 0; kill_round < 3; ++kill_round) {
    const std::vector<pipeline::CheckpointFile> before = pipeline::list_checkpoints(dir + "/run");
    const int64_t start = before.empty() ? 0 : before.back().step;
    pid_t pid = spawn_train(cfg, kSteps, resume, dir + "/log");
    // Wait for two more checkpoints, then kill at once.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto now = pipeline::list_checkpoints(dir + "/run");
      if (!now.empty() && now.back().step >= start + 2 + kill_round) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    kill(pid, SIGKILL);
    EXPECT_EQ(wait_exit(pid), 128 + SIGKILL);
    // Every file under a checkpoint name is whole and loads.
    const auto after = pipeline::list_checkpoints(dir + "/run");
    ASSERT_FALSE(after.empty());
    for (const auto& c : after) EXPECT_NO_THROW(io::load_checkpoint(c.path)) << c.path;
    resume = true;
  }
  ASSERT_EQ(wait_exit(spawn_train(cfg, kSteps, true, dir + "/log")), 0) << slurp(dir + "/log");
  testing::expect_same_checkpoints(ref + "/run/ckpt-" + std::to_string(kSteps) + ".safetensors",
                                   dir + "/run/ckpt-" + std::to_string(kSteps) + ".safetensors");
}

TEST(CrashSafety, DiskFullDuringCheckpointIsAClearErrorAndKeepsThePrevious) {
  const std::string dir = testing::tiny_scratch("disk_full");
  testing::make_tiny_voc(dir, 4);
  const std::string cfg = testing::tiny_config(dir, 4, 2);
  ASSERT_EQ(wait_exit(spawn_train(cfg, 2, false, dir + "/log")), 0) << slurp(dir + "/log");
  const std::string good = dir + "/run/ckpt-2.safetensors";
  const auto size = fs::file_size(good);
  // RLIMIT_FSIZE below one checkpoint: the next checkpoint write fails as on a full disk.
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen((dir + "/full.log").c_str(), "w", stderr);
    (void)f;
    struct rlimit lim {
      size / 2, size / 2
    };
    setrlimit(RLIMIT_FSIZE, &lim);
    execl(tailor_bin().c_str(), "tailor", "train", "--config", cfg.c_str(), "--steps", "4",
          "--resume", static_cast<char*>(nullptr));
    _exit(127);
  }
  EXPECT_EQ(wait_exit(pid), 1) << slurp(dir + "/full.log");
  const std::string msg = slurp(dir + "/full.log");
  EXPECT_NE(msg.find("ckpt-4.safetensors"), std::string::npos) << msg;
  EXPECT_NO_THROW(io::load_checkpoint(good));
  EXPECT_EQ(fs::file_size(good), size);
  EXPECT_FALSE(fs::exists(dir + "/run/ckpt-4.safetensors"));
  for (const auto& e : fs::directory_iterator(dir + "/run"))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
}

}  // namespace
}  // namespace tailor

// eval --watch's polling loop against a fake run directory that a test "trainer" advances
// from the injected sleep.
#include "pipeline/eval/watch.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "runtime/error.h"
#include "tests/support/scratch_dir.h"

namespace tailor::pipeline {
namespace {

namespace fs = std::filesystem;

std::string scratch(const std::string& name) {
  return tailor::testing::scratch_dir("eval_watch", name);
}

void touch(const std::string& path) {
  std::ofstream(path) << "x";
}

TEST(WatchCheckpoints, EvaluatesEachNewCheckpointInOrderUntilDone) {
  const std::string dir = scratch("order");
  touch(checkpoint_path(dir, 20));
  touch(checkpoint_path(dir, 10));
  touch(dir + "/ckpt-30.safetensors.tmp.123");  // a write in flight is not a checkpoint
  std::vector<int64_t> evaluated;
  int sleeps = 0;
  std::ostringstream log;
  WatchOptions o;
  o.run_dir = dir;
  o.log = &log;
  o.evaluate = [&](const CheckpointFile& c) { evaluated.push_back(c.step); };
  o.sleep = [&](double) {
    ++sleeps;
    if (sleeps == 1) {  // the trainer saves step 30
      fs::rename(dir + "/ckpt-30.safetensors.tmp.123", checkpoint_path(dir, 30));
    } else if (sleeps == 3) {  // then its final checkpoint, and DONE
      touch(checkpoint_path(dir, 40));
      touch(done_marker_path(dir));
    }
  };
  const WatchResult r = watch_checkpoints(o);
  EXPECT_EQ(evaluated, (std::vector<int64_t>{10, 20, 30, 40}));
  EXPECT_EQ(r.evaluated, 4);
  EXPECT_EQ(r.last_step, 40);
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(sleeps, 3);
  EXPECT_NE(log.str().find("is done; 4 checkpoint(s) evaluated"), std::string::npos) << log.str();
}

TEST(WatchCheckpoints, FinishedRunIsEvaluatedOnceWithoutWaiting) {
  const std::string dir = scratch("finished");
  touch(checkpoint_path(dir, 5));
  touch(checkpoint_path(dir, 7));
  touch(done_marker_path(dir));
  std::vector<int64_t> evaluated;
  std::ostringstream log;
  WatchOptions o;
  o.run_dir = dir;
  o.log = &log;
  o.evaluate = [&](const CheckpointFile& c) { evaluated.push_back(c.step); };
  o.already_evaluated = [](const CheckpointFile& c) { return c.step == 5; };
  o.sleep = [](double) { FAIL() << "a finished run needs no waiting"; };
  const WatchResult r = watch_checkpoints(o);
  EXPECT_EQ(evaluated, (std::vector<int64_t>{7}));
  EXPECT_EQ(r.skipped, 1);
}

TEST(WatchCheckpoints, PrunedCheckpointIsSkippedOtherErrorsPropagate) {
  const std::string dir = scratch("pruned");
  touch(checkpoint_path(dir, 1));
  touch(checkpoint_path(dir, 2));
  touch(done_marker_path(dir));
  std::ostringstream log;
  WatchOptions o;
  o.run_dir = dir;
  o.log = &log;
  o.evaluate = [&](const CheckpointFile& c) {
    if (c.step == 1) {  // the trainer prunes it while it loads
      fs::remove(c.path);
      throw UserError(c.path + ": cannot open");
    }
  };
  const WatchResult r = watch_checkpoints(o);
  EXPECT_EQ(r.evaluated, 1);
  EXPECT_EQ(r.skipped, 1);
  EXPECT_NE(log.str().find("was removed before it could be evaluated"), std::string::npos);

  const std::string dir2 = scratch("corrupt");
  touch(checkpoint_path(dir2, 1));
  o.run_dir = dir2;
  o.evaluate = [](const CheckpointFile& c) { throw UserError(c.path + ": bad header"); };
  EXPECT_THROW(watch_checkpoints(o), UserError);
}

TEST(WatchCheckpoints, StopFlagEndsTheWait) {
  const std::string dir = scratch("stop");
  std::atomic<bool> stop{false};
  int sleeps = 0;
  std::ostringstream log;
  WatchOptions o;
  o.run_dir = dir;
  o.log = &log;
  o.stop = &stop;
  o.evaluate = [](const CheckpointFile&) {};
  o.sleep = [&](double) {
    if (++sleeps == 2) stop = true;  // SIGINT while waiting
  };
  const WatchResult r = watch_checkpoints(o);
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.evaluated, 0);
  EXPECT_EQ(sleeps, 2);
  EXPECT_NE(log.str().find("waiting for new checkpoints"), std::string::npos);
}

TEST(WatchCheckpoints, RealSleepAnswersStopWithinItsSlice) {
  // The default sleep polls the flag: a 60 s poll interval still ends at once when stopped.
  const std::string dir = scratch("real_sleep");
  std::atomic<bool> stop{false};
  std::ostringstream log;
  WatchOptions o;
  o.run_dir = dir;
  o.log = &log;
  o.stop = &stop;
  o.poll_seconds = 60;
  o.evaluate = [](const CheckpointFile&) {};
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  const auto t0 = std::chrono::steady_clock::now();
  const WatchResult r = watch_checkpoints(o);
  t.join();
  EXPECT_TRUE(r.stopped);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
}

}  // namespace
}  // namespace tailor::pipeline

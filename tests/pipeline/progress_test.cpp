#include "pipeline/progress.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tailor::pipeline {
namespace {

TEST(Progress, PlainLinesEveryN) {
  std::ostringstream os;
  double t = 100.0;
  ProgressOptions o;
  o.total = 25;
  o.log_every = 10;
  o.out = &os;
  o.tty = 0;
  o.clock = [&] { return t; };
  Progress p(o);
  for (int s = 1; s <= 23; ++s) {
    t += 2.0;  // 2 s per step
    p.update(s, {{"loss", 1.5}, {"lr", 0.004}});
  }
  p.finish();
  EXPECT_EQ(os.str(),
            "step 10/25 loss 1.5 lr 0.004 2.00 s/step ETA 30s\n"
            "step 20/25 loss 1.5 lr 0.004 2.00 s/step ETA 10s\n"
            "step 23/25 loss 1.5 lr 0.004 2.00 s/step ETA 4s\n");
}

TEST(Progress, TtyRedrawsOneLine) {
  std::ostringstream os;
  double t = 0.0;
  ProgressOptions o;
  o.label = "image";
  o.total = 4;
  o.out = &os;
  o.tty = 1;
  o.clock = [&] { return t; };
  Progress p(o);
  t = 0.05;
  p.update(1);
  t = 0.10;
  p.update(2);
  p.finish();
  EXPECT_EQ(os.str(),
            "\r[######..................] image 1/4 20.0 image/s ETA 0s"
            "\r[############............] image 2/4 20.0 image/s ETA 0s\n");
}

TEST(Progress, Durations) {
  EXPECT_EQ(format_duration(42.4), "42s");
  EXPECT_EQ(format_duration(185), "3m05s");
  EXPECT_EQ(format_duration(3720), "1h02m");
}

}  // namespace
}  // namespace tailor::pipeline

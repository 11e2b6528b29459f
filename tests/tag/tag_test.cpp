// `tailor tag` end to end through the binary: tags.csv, review.html with one card per image
// (rendered in headless Chromium where it is installed), labels against tags, bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/support/cli.h"

namespace tailor {
namespace {

namespace fs = std::filesystem;
using testing::run_tailor;
using testing::slurp;

const std::string kShared = TAILOR_SHARED_DIR;
const std::string kModel = kShared + "/weights/ssd_mobilenet_v1_0.75_quant_coco/detect.tflite";
const std::string kLabels =
    kShared + "/weights/ssd_mobilenet_v1_0.75_quant_coco/mscoco_label_map.pbtxt";

std::string scratch(const std::string& name) {
  const std::string dir = std::string(TAILOR_BINARY_DIR) + "/test_scratch/tag/" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Two COCO demo photos and three Dataturks product photos in one folder.
std::string photo_folder(const std::string& dir) {
  const fs::path p = fs::path(dir) / "photos";
  fs::create_directories(p);
  fs::copy_file(kShared + "/images/coco_demo/image1.jpg", p / "dogs.jpg");
  fs::copy_file(kShared + "/images/coco_demo/image2.jpg", p / "beach.jpg");
  std::vector<fs::path> val;
  for (const auto& e : fs::directory_iterator(kShared + "/data/dataturks_val/images"))
    val.push_back(e.path());
  std::sort(val.begin(), val.end());
  for (int i = 0; i < 3; ++i) fs::copy_file(val[i], p / val[i].filename());
  return p.string();
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

int cards(const std::string& html) {
  return count(html, "<div class=\"card\">") + count(html, "<div class=\"card review\">");
}

std::string chromium() {
  for (const char* c : {"chromium", "chromium-browser", "google-chrome"})
    if (std::system((std::string("command -v ") + c + " > /dev/null 2>&1").c_str()) == 0) return c;
  return "";
}

TEST(Tag, WritesTagsAndAReviewPageWithACardPerImage) {
  const std::string dir = scratch("folder");
  const std::string photos = photo_folder(dir);
  ASSERT_EQ(run_tailor("tag --model " + kModel + " --labels " + kLabels + " --out " + dir +
                           "/out " + photos,
                       dir + "/tag.log"),
            0)
      << slurp(dir + "/tag.log");
  const std::string csv = slurp(dir + "/out/tags.csv");
  EXPECT_EQ(csv.rfind("image,top_class,top_score,second_class,second_score,xmin,ymin,xmax,ymax,"
                      "needs_review,reason\n",
                      0),
            0u)
      << csv;
  EXPECT_EQ(count(csv, "\n"), 6) << csv;
  EXPECT_NE(csv.find("dogs.jpg,dog,"), std::string::npos) << csv;  // the two beagles
  const std::string html = slurp(dir + "/out/review.html");
  EXPECT_EQ(cards(html), 5);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos) << "no network";
  EXPECT_TRUE(fs::exists(dir + "/out/thumbs/dogs.jpg"));

  const std::string browser = chromium();
  if (browser.empty()) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it); "
                                       "the page was not rendered";
  const std::string page = "file://" + fs::absolute(dir + "/out/review.html").string();
  const std::string flags = " --headless --no-sandbox --disable-gpu --hide-scrollbars";
  ASSERT_EQ(std::system((browser + flags + " --dump-dom " + page + " > " + dir +
                         "/dom.html 2> " + dir + "/chromium.log")
                            .c_str()),
            0)
      << slurp(dir + "/chromium.log");
  EXPECT_EQ(cards(slurp(dir + "/dom.html")), 5) << "cards after rendering";
  ASSERT_EQ(std::system((browser + flags + " --window-size=1200,900 --screenshot=" + dir +
                         "/page.png " + page + " 2>> " + dir + "/chromium.log")
                            .c_str()),
            0)
      << slurp(dir + "/chromium.log");
  EXPECT_GT(fs::file_size(dir + "/page.png"), 20000u) << "a screenshot with pictures in it";
}

TEST(Tag, LabelsGiveAccuracyAndConfusionAndBadInputNamesTheFile) {
  const std::string dir = scratch("labels");
  const std::string photos = photo_folder(dir);
  std::ofstream(dir + "/list.csv") << "path,label\nphotos/dogs.jpg,dog\nphotos/beach.jpg,kite\n";
  ASSERT_EQ(run_tailor("tag --model " + kModel + " --labels " + kLabels + " --out " + dir +
                           "/out " + dir + "/list.csv",
                       dir + "/tag.log"),
            0)
      << slurp(dir + "/tag.log");
  EXPECT_NE(slurp(dir + "/tag.log").find("agree with the labels"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir + "/out/confusion.png"));
  EXPECT_NE(slurp(dir + "/out/review.html").find("Against the labels"), std::string::npos);
  EXPECT_NE(slurp(dir + "/out/tags.csv").find(",label,correct\n"), std::string::npos);

  // An unreadable image is listed and the others are still tagged; the exit status says so.
  std::ofstream(photos + "/broken.jpg") << "not a jpeg";
  EXPECT_EQ(run_tailor("tag --model " + kModel + " --labels " + kLabels + " --out " + dir + "/with_bad " + photos,
                       dir + "/bad.log"),
            1);
  EXPECT_NE(slurp(dir + "/bad.log").find("broken.jpg"), std::string::npos) << slurp(dir + "/bad.log");
  const std::string csv = slurp(dir + "/with_bad/tags.csv");
  EXPECT_NE(csv.find("broken.jpg,,,,,,,,,yes,"), std::string::npos) << csv;
  EXPECT_EQ(count(csv, "\n"), 7) << csv;
  EXPECT_EQ(run_tailor("tag --model " + kModel + " --labels " + kLabels + " --fail-fast --out " + dir + "/ff " + photos,
                       dir + "/ff.log"),
            1);
  EXPECT_NE(slurp(dir + "/ff.log").find("broken.jpg"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir + "/ff/tags.csv"));
  // A CSV without a path column.
  std::ofstream(dir + "/nopath.csv") << "picture,label\nphotos/dogs.jpg,dog\n";
  EXPECT_EQ(run_tailor("tag --model " + kModel + " --labels " + kLabels + " --out " + dir + "/np " + dir + "/nopath.csv",
                       dir + "/np.log"),
            1);
  EXPECT_NE(slurp(dir + "/np.log").find("nopath.csv: line 1: header lacks a path column"),
            std::string::npos)
      << slurp(dir + "/np.log");
}

}  // namespace
}  // namespace tailor

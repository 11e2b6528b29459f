#pragma once
// Helpers that every dataset reader and writer shares: finding an example's image, copying
// it beside a written data set, number and CSV field formatting. The readers include this,
// never the dispatcher (data/dataset_io.h) that includes them.
#include <string>
#include <vector>

#include "data/example.h"

namespace tailor::data {

// First of `candidates` that exists as a file, else the first candidate (so a later decode
// error names the path that was expected).
std::string first_existing(const std::vector<std::string>& candidates);
// The image bytes of an example: `encoded` or the file at image_path.
std::string example_image_bytes(const Example& ex);
// "jpg" / "png" from magic bytes, else "".
std::string sniff_image_ext(const std::string& bytes);
// Copies the example's image to DIR/images/STEM.EXT and returns "STEM.EXT".
std::string copy_image_into(const Example& ex, const std::string& dir);
// Number formatting shared by text writers: integers without a fraction, else %.9g.
std::string format_coord(float v);

// Calls fn(line_number, line) for each line of `text` (1-based numbers, the trailing '\r' of
// CRLF files removed), blank lines included: the one line walk every text reader uses.
template <typename Fn>
void for_each_line(const std::string& text, Fn&& fn) {
  size_t start = 0;
  int line_no = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    fn(line_no, line);
  }
}

// One CSV line split into fields, honouring double quotes ("a,b" and "" escapes); `ctx`
// ("FILE: line N") prefixes the error for an unterminated quote.
std::vector<std::string> split_csv_line(const std::string& line, const std::string& ctx);
// A CSV field, quoted when it holds a comma, a quote or a newline.
std::string csv_quote(const std::string& s);

}  // namespace tailor::data

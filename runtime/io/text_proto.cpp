#include "runtime/io/text_proto.h"

#include <cctype>

#include "runtime/error.h"
#include "runtime/io/atomic_file.h"

namespace tailor::io {

std::vector<const TextProtoField*> TextProtoMessage::all(const std::string& name) const {
  std::vector<const TextProtoField*> out;
  for (const auto& f : fields)
    if (f.name == name) out.push_back(&f);
  return out;
}

const TextProtoField* TextProtoMessage::find(const std::string& name) const {
  const TextProtoField* last = nullptr;
  for (const auto& f : fields)
    if (f.name == name) last = &f;
  return last;
}

namespace {

class Parser {
 public:
  Parser(const std::string& text, const std::string& file) : s_(text), file_(file) {}

  TextProtoMessage parse_all() {
    TextProtoMessage m = parse_fields('\0');
    skip_space();
    if (pos_ < s_.size()) fail("unexpected '" + std::string(1, s_[pos_]) + "'");
    return m;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw UserError(file_ + ":" + std::to_string(line_) + ": " + what);
  }

  void skip_space() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        if (c == '\n') ++line_;
        ++pos_;
      } else {
        return;
      }
    }
  }

  bool peek(char c) {
    skip_space();
    return pos_ < s_.size() && s_[pos_] == c;
  }

  bool accept(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }

  std::string identifier() {
    skip_space();
    const size_t start = pos_;
    // Extension names `[pkg.ext]` are not used by TF OD API configs; plain identifiers only.
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
      ++pos_;
    if (start == pos_) {
      if (pos_ >= s_.size()) fail("unexpected end of file, expected a field name");
      fail("expected a field name, got '" + std::string(1, s_[pos_]) + "'");
    }
    return s_.substr(start, pos_ - start);
  }

  std::string quoted_string() {
    std::string out;
    while (peek('"') || peek('\'')) {  // adjacent strings concatenate
      const char q = s_[pos_++];
      while (true) {
        if (pos_ >= s_.size() || s_[pos_] == '\n') fail("unterminated string");
        char c = s_[pos_++];
        if (c == q) break;
        if (c == '\\') {
          if (pos_ >= s_.size()) fail("unterminated string");
          c = s_[pos_++];
          switch (c) {
            case 'n':
              out += '\n';
              break;
            case 't':
              out += '\t';
              break;
            case 'r':
              out += '\r';
              break;
            case '\\':
            case '\'':
            case '"':
              out += c;
              break;
            default:
              if (c >= '0' && c <= '7') {  // octal escape, up to 3 digits
                int v = c - '0';
                for (int k = 0; k < 2 && pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '7';
                     ++k)
                  v = v * 8 + (s_[pos_++] - '0');
                out += static_cast<char>(v);
              } else {
                fail(std::string("unsupported escape \\") + c);
              }
          }
        } else {
          out += c;
        }
      }
    }
    return out;
  }

  // A number, enum name or bool.
  std::string bare_scalar() {
    skip_space();
    const size_t start = pos_;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' ||
            s_[pos_] == '.' || s_[pos_] == '-' || s_[pos_] == '+'))
      ++pos_;
    if (start == pos_) fail("expected a value");
    return s_.substr(start, pos_ - start);
  }

  void scalar_into(TextProtoField* f) {
    skip_space();
    if (peek('"') || peek('\'')) {
      f->value = quoted_string();
      f->quoted = true;
    } else {
      f->value = bare_scalar();
    }
  }

  TextProtoMessage parse_fields(char close) {
    TextProtoMessage m;
    while (true) {
      skip_space();
      if (pos_ >= s_.size()) {
        if (close) fail(std::string("unexpected end of file, expected '") + close + "'");
        return m;
      }
      if (close && s_[pos_] == close) {
        ++pos_;
        return m;
      }
      TextProtoField f;
      f.line = line_;
      f.name = identifier();
      const bool colon = accept(':');
      if (peek('{') || peek('<')) {
        const char open = s_[pos_++];
        f.is_message = true;
        f.message = std::make_shared<TextProtoMessage>(parse_fields(open == '{' ? '}' : '>'));
        m.fields.push_back(std::move(f));
      } else if (!colon) {
        fail("expected ':' or '{' after " + f.name);
      } else if (accept('[')) {
        if (!accept(']')) {
          do {
            TextProtoField item = f;
            item.line = line_;
            if (peek('{')) {
              ++pos_;
              item.is_message = true;
              item.message = std::make_shared<TextProtoMessage>(parse_fields('}'));
            } else {
              scalar_into(&item);
            }
            m.fields.push_back(std::move(item));
          } while (accept(','));
          if (!accept(']')) fail("expected ']' to close the list " + f.name);
        }
      } else {
        scalar_into(&f);
        m.fields.push_back(std::move(f));
      }
      if (!accept(';')) accept(',');
    }
  }

  const std::string& s_;
  const std::string& file_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

TextProtoMessage parse_text_proto(const std::string& text, const std::string& file) {
  return Parser(text, file).parse_all();
}

TextProtoMessage load_text_proto(const std::string& path) {
  return parse_text_proto(io::read_file(path, size_t(64) << 20), path);
}

}  // namespace tailor::io

// jsonl_fields: see seenit/jsonl.hpp for what a taken, skipped and deferred line is.
// A validating recursive-descent scan of each line that builds nothing but the one
// field's value; strings are skipped eight bytes at a time.
#include "seenit/jsonl.hpp"

#include <cstring>
#include <string>

namespace seenit {
namespace {

constexpr u64 kOnes = 0x0101010101010101ull;
constexpr u64 kHigh = 0x8080808080808080ull;

// Nonzero iff some byte of v is zero.
inline u64 zero_byte(u64 v) { return (v - kOnes) & ~v & kHigh; }

// Nonzero iff some byte of v ends a plain run inside a JSON string: '"', '\\', a
// control character (< 0x20) or a non-ASCII byte (checked as UTF-8 one at a time).
inline u64 string_special(u64 v) {
    return zero_byte(v ^ (kOnes * '"')) | zero_byte(v ^ (kOnes * '\\')) | ((v - kOnes * 0x20) & ~v & kHigh) |
           (v & kHigh);
}

inline bool plain_string_byte(u8 c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

inline bool is_digit(u8 c) { return c >= '0' && c <= '9'; }

// Length of the valid UTF-8 sequence of a non-ASCII code point at p, or 0. Valid as
// Python's decoder reads it: no overlong forms, no surrogates, nothing past U+10FFFF.
inline std::size_t utf8_sequence(const u8* p, const u8* e) {
    const u8 c = p[0];
    const std::size_t left = static_cast<std::size_t>(e - p);
    auto cont = [](u8 b) { return (b & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(p[1]) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || !cont(p[1]) || !cont(p[2])) return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F)) return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || !cont(p[1]) || !cont(p[2]) || !cont(p[3])) return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F)) return 0;
        return 4;
    }
    return 0;
}

inline bool hex4(const u8* p, const u8* e, u32& out) {
    if (e - p < 4) return false;
    u32 v = 0;
    for (int i = 0; i < 4; ++i) {
        const u8 c = p[i];
        u32 d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return false;
        v = v << 4 | d;
    }
    out = v;
    return true;
}

// Appends code point c as UTF-8 (surrogates as 3 bytes, which only keys ever keep).
template <class Out>
inline void put_utf8(Out& out, u32 c) {
    if (c < 0x80) {
        out.push_back(static_cast<u8>(c));
    } else if (c < 0x800) {
        out.push_back(static_cast<u8>(0xC0 | c >> 6));
        out.push_back(static_cast<u8>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        out.push_back(static_cast<u8>(0xE0 | c >> 12));
        out.push_back(static_cast<u8>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<u8>(0x80 | (c & 0x3F)));
    } else {
        out.push_back(static_cast<u8>(0xF0 | c >> 18));
        out.push_back(static_cast<u8>(0x80 | ((c >> 12) & 0x3F)));
        out.push_back(static_cast<u8>(0x80 | ((c >> 6) & 0x3F)));
        out.push_back(static_cast<u8>(0x80 | (c & 0x3F)));
    }
}

inline bool is_surrogate(u32 c) { return c >= 0xD800 && c <= 0xDFFF; }

// Where a string's decoded bytes go: nowhere (a value skipped), a key (compared with the
// field; a lone surrogate kept as 3 bytes can never equal it) or the field's value (a
// lone surrogate defers the line).
struct SkipSink {
    void append(const u8*, std::size_t) {}
    void push_back(u8) {}
    bool code_point(u32) { return true; }
};
struct KeySink {
    std::string& s;
    void append(const u8* p, std::size_t n) { s.append(reinterpret_cast<const char*>(p), n); }
    void push_back(u8 c) { s.push_back(static_cast<char>(c)); }
    bool code_point(u32 c) {
        put_utf8(*this, c);
        return true;
    }
};
struct ValueSink {
    std::vector<u8>& v;
    void append(const u8* p, std::size_t n) { v.insert(v.end(), p, p + n); }
    void push_back(u8 c) { v.push_back(c); }
    bool code_point(u32 c) {
        if (is_surrogate(c)) return false;
        put_utf8(v, c);
        return true;
    }
};

class LineParser {
public:
    LineParser(std::string_view field, std::vector<u8>& out) : field_(field), out_(out) {}

    // True when [p, e) is one JSON object holding the field once as a string; its value
    // is then appended to out.
    bool take(const u8* p, const u8* e) {
        p_ = p;
        e_ = e;
        found_ = false;
        if (!object(1, true) || !found_) return false;
        ws();
        return p_ == e_;
    }

private:
    void ws() {
        while (p_ < e_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
    }

    template <class Sink>
    bool string(Sink& sink) {
        ++p_;  // the opening quote
        for (;;) {
            const u8* run = p_;
            u64 v;
            while (e_ - p_ >= 8) {
                std::memcpy(&v, p_, 8);
                if (string_special(v)) break;
                p_ += 8;
            }
            while (p_ < e_ && plain_string_byte(*p_)) ++p_;
            sink.append(run, static_cast<std::size_t>(p_ - run));
            if (p_ >= e_) return false;
            const u8 c = *p_;
            if (c == '"') {
                ++p_;
                return true;
            }
            if (c < 0x20) return false;  // json.loads (strict) refuses raw control characters
            if (c == '\\') {
                if (e_ - p_ < 2) return false;
                const u8 x = p_[1];
                p_ += 2;
                switch (x) {
                    case '"': sink.push_back('"'); break;
                    case '\\': sink.push_back('\\'); break;
                    case '/': sink.push_back('/'); break;
                    case 'b': sink.push_back('\b'); break;
                    case 'f': sink.push_back('\f'); break;
                    case 'n': sink.push_back('\n'); break;
                    case 'r': sink.push_back('\r'); break;
                    case 't': sink.push_back('\t'); break;
                    case 'u': {
                        u32 cp;
                        if (!hex4(p_, e_, cp)) return false;
                        p_ += 4;
                        u32 lo;
                        if (cp >= 0xD800 && cp <= 0xDBFF && e_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u' &&
                            hex4(p_ + 2, e_, lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                            p_ += 6;
                        }
                        if (!sink.code_point(cp)) return false;
                        break;
                    }
                    default: return false;
                }
                continue;
            }
            const std::size_t n = utf8_sequence(p_, e_);
            if (n == 0) return false;
            sink.append(p_, n);
            p_ += n;
        }
    }

    // true / false / null, compared as one 32-bit load (+ the 'e' of false).
    bool literal(const char* word, std::size_t n) {
        if (static_cast<std::size_t>(e_ - p_) < n) return false;
        u32 a, b;
        std::memcpy(&a, p_, 4);
        std::memcpy(&b, word, 4);
        if (a != b || (n == 5 && p_[4] != word[4])) return false;
        p_ += n;
        return true;
    }

    // Steps over a run of "true," / "false," (boolean masks in metadata, e.g. MIMIR's
    // per-n-gram inclusion lists, are most of some corpora's bytes), one 8-byte load per
    // element. Each is a whole literal and its comma, so a value must follow, as after any
    // comma; the caller goes on from the first element that is not one.
    void literal_run() {
        constexpr u64 kFalse = 0x2C65736C6166ull;  // "false," little-endian
        constexpr u64 kTrue = 0x2C65757274ull;     // "true,"
        while (e_ - p_ >= 8) {
            u64 v;
            std::memcpy(&v, p_, 8);
            if ((v & 0xFFFFFFFFFFFFull) == kFalse) {
                p_ += 6;
            } else if ((v & 0xFFFFFFFFFFull) == kTrue) {
                p_ += 5;
            } else {
                return;
            }
        }
    }

    bool number() {
        if (p_ < e_ && *p_ == '-') ++p_;
        if (p_ >= e_) return false;
        if (*p_ == '0') {
            ++p_;
        } else if (*p_ >= '1' && *p_ <= '9') {
            while (p_ < e_ && is_digit(*p_)) ++p_;
        } else {
            return false;
        }
        if (p_ < e_ && *p_ == '.') {
            ++p_;
            if (p_ >= e_ || !is_digit(*p_)) return false;
            while (p_ < e_ && is_digit(*p_)) ++p_;
        }
        if (p_ < e_ && (*p_ == 'e' || *p_ == 'E')) {
            ++p_;
            if (p_ < e_ && (*p_ == '+' || *p_ == '-')) ++p_;
            if (p_ >= e_ || !is_digit(*p_)) return false;
            while (p_ < e_ && is_digit(*p_)) ++p_;
        }
        return true;
    }

    bool value(int depth) {
        if (p_ >= e_) return false;
        switch (*p_) {
            case '"': {
                SkipSink s;
                return string(s);
            }
            case '{': return object(depth + 1, false);
            case '[': return array(depth + 1);
            case 't': return literal("true", 4);
            case 'f': return literal("false", 5);
            case 'n': return literal("null", 4);
            default: return number();
        }
    }

    bool array(int depth) {
        if (depth > kJsonlMaxDepth) return false;
        ++p_;
        ws();
        if (p_ >= e_) return false;
        if (*p_ == ']') {
            ++p_;
            return true;
        }
        for (;;) {
            literal_run();
            if (*p_ == ' ' || *p_ == '\t') ws();  // arrays of scalars rarely hold spaces: skip the call
            if (!value(depth)) return false;
            if (p_ < e_ && (*p_ == ' ' || *p_ == '\t')) ws();
            if (p_ >= e_) return false;
            if (*p_ == ',') {
                ++p_;
                if (p_ >= e_) return false;
                continue;
            }
            if (*p_ == ']') {
                ++p_;
                return true;
            }
            return false;
        }
    }

    bool object(int depth, bool top) {
        if (depth > kJsonlMaxDepth) return false;
        ++p_;
        ws();
        if (p_ < e_ && *p_ == '}') {
            ++p_;
            return true;
        }
        for (;;) {
            ws();
            if (p_ >= e_ || *p_ != '"') return false;
            bool is_field = false;
            if (top) {
                key_.clear();
                KeySink k{key_};
                if (!string(k)) return false;
                is_field = key_ == field_;
            } else {
                SkipSink s;
                if (!string(s)) return false;
            }
            ws();
            if (p_ >= e_ || *p_ != ':') return false;
            ++p_;
            ws();
            if (is_field) {
                // a repeated field (json.loads keeps the last) or a non-string one: deferred
                if (found_ || p_ >= e_ || *p_ != '"') return false;
                found_ = true;
                ValueSink s{out_};
                if (!string(s)) return false;
            } else if (!value(depth)) {
                return false;
            }
            ws();
            if (p_ >= e_) return false;
            if (*p_ == ',') {
                ++p_;
                continue;
            }
            if (*p_ == '}') {
                ++p_;
                return true;
            }
            return false;
        }
    }

    std::string_view field_;
    std::vector<u8>& out_;
    std::string key_;
    const u8* p_ = nullptr;
    const u8* e_ = nullptr;
    bool found_ = false;
};

// str.isspace() for an ASCII byte (what str.strip() removes from a blank line).
inline bool ascii_space(u8 c) { return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F); }

}  // namespace

JsonlFields jsonl_fields(const u8* data, std::size_t size, std::string_view field) {
    JsonlFields out;
    out.text.reserve(size / 2);
    LineParser parser(field, out.text);
    auto row = [&](i64 line, bool deferred, std::size_t begin, std::size_t end) {
        out.line.push_back(line);
        out.deferred.push_back(deferred ? 1 : 0);
        out.line_begin.push_back(static_cast<i64>(begin));
        out.line_end.push_back(static_cast<i64>(end));
        out.offsets.push_back(static_cast<i64>(out.text.size()));
    };
    std::size_t pos = 0;
    i64 line = 0;
    while (pos < size) {
        const u8* s = data + pos;
        const std::size_t rest = size - pos;
        const u8* nl = static_cast<const u8*>(std::memchr(s, '\n', rest));
        std::size_t len = nl ? static_cast<std::size_t>(nl - s) : rest;
        const u8* cr = static_cast<const u8*>(std::memchr(s, '\r', len));
        std::size_t next;
        if (cr) {  // \r or \r\n ends the line first
            len = static_cast<std::size_t>(cr - s);
            next = pos + len + 1;
            if (next < size && data[next] == '\n') ++next;
        } else {
            next = nl ? pos + len + 1 : size;
        }
        if (len > 0) {
            if (s[0] == '{') {
                const std::size_t mark = out.text.size();
                const bool taken = parser.take(s, s + len);
                if (!taken) out.text.resize(mark);
                row(line, !taken, pos, next);
            } else {
                std::size_t i = 0;
                while (i < len && ascii_space(s[i])) ++i;
                if (i < len) row(line, true, pos, next);
            }
        }
        ++line;
        pos = next;
    }
    out.n_lines = line;
    return out;
}

}  // namespace seenit

#include "hangu/core/print.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace hangu {
namespace {

// One printed element, read once from storage: floats as double (16-bit floats widened
// through float, as torch does), integers as int64, bools as 0/1.
struct Value {
  double f = 0.0;
  int64_t i = 0;
};

// Visits the elements torch would print, in order (only the edge items of summarised dims).
class Collector {
 public:
  Collector(const Tensor& t, bool summarize, int64_t edge) : t_(t), summarize_(summarize), edge_(edge) {}

  std::vector<int64_t> offsets() {
    std::vector<int64_t> out;
    walk(0, 0, out);
    return out;
  }

 private:
  void walk(int64_t d, int64_t off, std::vector<int64_t>& out) const {
    if (d == t_.dim()) {
      out.push_back(off);
      return;
    }
    int64_t n = t_.size(d);
    int64_t st = t_.stride(d);
    if (summarize_ && n > 2 * edge_) {
      for (int64_t k = 0; k < edge_; ++k) walk(d + 1, off + k * st, out);
      for (int64_t k = n - edge_; k < n; ++k) walk(d + 1, off + k * st, out);
    } else {
      for (int64_t k = 0; k < n; ++k) walk(d + 1, off + k * st, out);
    }
  }
  const Tensor& t_;
  bool summarize_;
  int64_t edge_;
};

std::vector<Value> read_values(const Tensor& t, const std::vector<int64_t>& offsets) {
  std::vector<Value> vals(offsets.size());
  dispatch_dtype(t.dtype(), [&]<typename T>() {
    const T* base = static_cast<const T*>(t.data());
    for (size_t k = 0; k < offsets.size(); ++k) {
      T v = base[offsets[k]];
      if constexpr (is_floating_v<T>) {
        vals[k].f = static_cast<double>(static_cast<opmath_t<T>>(v));
      } else {
        vals[k].i = static_cast<int64_t>(v);
      }
    }
  });
  return vals;
}

std::string fmt(const char* spec, int prec, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), spec, prec, v);
  return buf;
}

// Mirrors torch._tensor_str._Formatter: one width and one notation for the whole tensor.
class Formatter {
 public:
  Formatter(DType dtype, const std::vector<Value>& vals, const PrintOptions& o) : prec_(o.precision) {
    floating_ = is_floating(dtype);
    boolean_ = dtype == DType::boolean;
    if (!floating_) {
      for (const Value& v : vals) max_width_ = std::max(max_width_, raw(v).size());
      return;
    }
    std::vector<double> nz;
    for (const Value& v : vals)
      if (std::isfinite(v.f) && v.f != 0.0) nz.push_back(v.f);
    if (!nz.empty()) {
      double mn = std::fabs(nz[0]), mx = std::fabs(nz[0]);
      for (double v : nz) {
        mn = std::min(mn, std::fabs(v));
        mx = std::max(mx, std::fabs(v));
        if (v != std::ceil(v)) int_mode_ = false;
      }
      bool wide = mx / mn > 1000.0 || mx > 1.0e8;
      sci_mode_ = int_mode_ ? wide : (wide || mn < 1.0e-4);
      for (double v : nz) {
        size_t w = sci_mode_   ? fmt("%.*e", prec_, v).size()
                   : int_mode_ ? fmt("%.*f", 0, v).size() + 1
                               : fmt("%.*f", prec_, v).size();
        max_width_ = std::max(max_width_, w);
      }
    }
    if (o.sci_mode) sci_mode_ = *o.sci_mode;
  }

  size_t width() const { return max_width_; }

  std::string format(const Value& v) const {
    std::string s = raw(v);
    if (s.size() < max_width_) s.insert(0, max_width_ - s.size(), ' ');
    return s;
  }

 private:
  std::string raw(const Value& v) const {
    if (!floating_) return boolean_ ? (v.i ? "True" : "False") : std::to_string(v.i);
    // Python prints every NaN as "nan" (glibc would print "-nan" for a negative one).
    if (std::isnan(v.f)) return "nan";
    if (std::isinf(v.f)) return v.f > 0 ? "inf" : "-inf";
    if (sci_mode_) return fmt("%.*e", prec_, v.f);
    if (int_mode_) return fmt("%.*f", 0, v.f) + ".";
    return fmt("%.*f", prec_, v.f);
  }

  int prec_;
  bool floating_ = false, boolean_ = false;
  bool int_mode_ = true, sci_mode_ = false;
  size_t max_width_ = 1;
};

// Mirrors _tensor_str_with_formatter / _vector_str; consumes formatted items in order.
class Writer {
 public:
  Writer(const Tensor& t, bool summarize, const PrintOptions& o, const std::vector<std::string>& items, size_t width)
      : t_(t), summarize_(summarize), o_(o), items_(items), width_(width) {}

  std::string write(int64_t indent) { return level(0, indent); }

 private:
  std::string level(int64_t d, int64_t indent) {
    int64_t ndim = t_.dim();
    if (ndim == 0) return items_[next_++];
    int64_t n = t_.size(d);
    bool cut = summarize_ && n > 2 * o_.edgeitems;
    if (d == ndim - 1) return vector(n, cut, indent);
    std::vector<std::string> parts;
    auto add = [&](int64_t k0, int64_t k1) {
      for (int64_t k = k0; k < k1; ++k) parts.push_back(level(d + 1, indent + 1));
    };
    if (cut) {
      add(0, o_.edgeitems);
      parts.emplace_back("...");
      add(n - o_.edgeitems, n);
    } else {
      add(0, n);
    }
    std::string sep = ",";
    sep.append(static_cast<size_t>(ndim - d - 1), '\n');
    sep.append(static_cast<size_t>(indent + 1), ' ');
    return bracket(join(parts, sep));
  }

  std::string vector(int64_t n, bool cut, int64_t indent) {
    std::vector<std::string> data;
    if (cut) {
      for (int64_t k = 0; k < o_.edgeitems; ++k) data.push_back(items_[next_++]);
      data.emplace_back(" ...");
      for (int64_t k = 0; k < o_.edgeitems; ++k) data.push_back(items_[next_++]);
    } else {
      for (int64_t k = 0; k < n; ++k) data.push_back(items_[next_++]);
    }
    int64_t elem_len = static_cast<int64_t>(width_) + 2;
    int64_t per_line = std::max<int64_t>(1, (o_.linewidth - indent) / elem_len);
    std::vector<std::string> lines;
    for (size_t i = 0; i < data.size(); i += static_cast<size_t>(per_line)) {
      size_t end = std::min(data.size(), i + static_cast<size_t>(per_line));
      lines.push_back(
          join({data.begin() + static_cast<std::ptrdiff_t>(i), data.begin() + static_cast<std::ptrdiff_t>(end)}, ", "));
    }
    std::string sep = ",\n";
    sep.append(static_cast<size_t>(indent + 1), ' ');
    return bracket(join(lines, sep));
  }

  // Built by appending: GCC 12 warns (-Wrestrict, falsely) on "literal" + std::string&&.
  static std::string bracket(const std::string& inner) {
    std::string out = "[";
    out += inner;
    out += ']';
    return out;
  }

  static std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out += sep;
      out += v[i];
    }
    return out;
  }

  const Tensor& t_;
  bool summarize_;
  const PrintOptions& o_;
  const std::vector<std::string>& items_;
  size_t width_;
  size_t next_ = 0;
};

// Python's str(tuple(shape)): "(0, 3)", "(0,)".
std::string tuple_str(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  if (s.size() == 1) out += ",";
  return out + ")";
}

// _add_suffixes: a suffix goes on a new line when it would pass the line width.
std::string add_suffixes(std::string s, const std::vector<std::string>& suffixes, int64_t indent, int64_t linewidth) {
  size_t nl = s.rfind('\n');
  int64_t last_line_len =
      static_cast<int64_t>(s.size()) - (nl == std::string::npos ? -1 : static_cast<int64_t>(nl)) + 1;
  for (const std::string& suf : suffixes) {
    int64_t len = static_cast<int64_t>(suf.size());
    if (last_line_len + len + 2 > linewidth) {
      s += ",\n";
      s.append(static_cast<size_t>(indent), ' ');
      s += suf;
      last_line_len = indent + len;
    } else {
      s += ", ";
      s += suf;
      last_line_len += len + 2;
    }
  }
  return s + ")";
}

}  // namespace

std::string to_string(const Tensor& t, const PrintOptions& opts) {
  if (!t.defined()) return "tensor(undefined)";
  const std::string prefix = "tensor(";
  const int64_t indent = static_cast<int64_t>(prefix.size());
  std::vector<std::string> suffixes;
  std::string dtype_suffix = "dtype=torch.";
  dtype_suffix += dtype_name(t.dtype());
  std::string body;
  if (t.numel() == 0) {
    if (t.dim() != 1) suffixes.push_back(std::string("size=") + tuple_str(t.shape()));
    if (t.dtype() != kDefaultFloat) suffixes.push_back(dtype_suffix);
    body = "[]";
  } else {
    if (t.dtype() != kDefaultFloat && t.dtype() != DType::i64 && t.dtype() != DType::boolean)
      suffixes.push_back(dtype_suffix);
    bool summarize = t.numel() > opts.threshold;
    std::vector<Value> vals = read_values(t, Collector(t, summarize, opts.edgeitems).offsets());
    Formatter f(t.dtype(), vals, opts);
    std::vector<std::string> items;
    items.reserve(vals.size());
    for (const Value& v : vals) items.push_back(f.format(v));
    body = Writer(t, summarize, opts, items, f.width()).write(indent);
  }
  return add_suffixes(prefix + body, suffixes, indent, opts.linewidth);
}

std::string Tensor::str() const { return to_string(*this); }
std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

}  // namespace hangu

// einsum: parse the equation into integer labels, take diagonals of repeated labels, sum out
// labels no one else needs, then contract the operands left to right, each pair as one batched
// GEMM ([batch, left, contracted] x [batch, contracted, right]), and permute to the output.
// Autograd: einsum records no backward of its own; every step (diagonal, sum, permute, expand,
// reshape, bmm) is differentiable, so the gradient comes from the parts.
#include <algorithm>
#include <array>

#include "hangu/core/error.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"

namespace hangu {
namespace {

constexpr int kLetters = 52;  // a-z -> 0..25, A-Z -> 26..51; ellipsis dims get kLetters + j

using Labels = std::vector<int>;

struct Term {
  Tensor t;
  Labels labels;  // one per dim of t, unique after take_diagonals
};

int letter_label(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return 26 + (c - 'A');
  return -1;
}

std::string label_name(int l) {
  if (l < 26) return std::string(1, static_cast<char>('a' + l));
  if (l < kLetters) return std::string(1, static_cast<char>('A' + l - 26));
  return "...";
}

// Sort key of the implicit output: PyTorch orders uppercase before lowercase (ASCII).
int label_order(int l) { return l < 26 ? l + 26 : l - 26; }

struct Subscript {
  std::vector<int> letters;  // letter labels, with -1 where the ellipsis stands
  bool has_ellipsis = false;
};

Subscript parse_subscript(const std::string& eq, const std::string& s) {
  Subscript r;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (r.has_ellipsis || s.compare(i, 3, "...") != 0)
        throw ValueError(MsgId::einsum_bad_equation, eq, "'.' must form a single '...' per operand");
      r.has_ellipsis = true;
      r.letters.push_back(-1);
      i += 2;
    } else if (letter_label(s[i]) >= 0) {
      r.letters.push_back(letter_label(s[i]));
    } else {
      throw ValueError(MsgId::einsum_bad_equation, eq, std::string("unexpected character '") + s[i] + "'");
    }
  }
  return r;
}

// Replaces the dims of repeated labels by their diagonal (torch.diagonal, which moves it last).
Term take_diagonals(const Term& in) {
  for (size_t d = 0; d < in.labels.size(); ++d)
    for (size_t e = 0; e < d; ++e)
      if (in.labels[e] == in.labels[d] && in.t.shape()[e] != in.t.shape()[d])
        throw ShapeError(MsgId::einsum_size_mismatch, label_name(in.labels[d]), in.t.shape()[e], in.t.shape()[d],
                         in.t.shape());
  Term out = in;
  for (bool repeated = true; repeated;) {
    repeated = false;
    for (size_t d = 0; d < out.labels.size() && !repeated; ++d)
      for (size_t e = 0; e < d && !repeated; ++e)
        if (out.labels[e] == out.labels[d]) {
          int label = out.labels[d];
          out.t = diagonal(out.t, 0, static_cast<int64_t>(e), static_cast<int64_t>(d));
          out.labels.erase(out.labels.begin() + static_cast<std::ptrdiff_t>(d));
          out.labels.erase(out.labels.begin() + static_cast<std::ptrdiff_t>(e));
          out.labels.push_back(label);
          repeated = true;
        }
  }
  return out;
}

bool contains(const Labels& l, int x) { return std::find(l.begin(), l.end(), x) != l.end(); }

// Sums out the dims whose label is not in `needed` (keeping the dtype, as torch.einsum).
void sum_unneeded(Term& term, const Labels& needed) {
  Shape dims;
  Labels kept;
  for (size_t d = 0; d < term.labels.size(); ++d) {
    if (contains(needed, term.labels[d]))
      kept.push_back(term.labels[d]);
    else
      dims.push_back(static_cast<int64_t>(d));
  }
  if (dims.empty()) return;
  term.t = sum(term.t, dims, false, term.t.dtype());
  term.labels = kept;
}

// The size of label l in t; 1 when t does not have it.
int64_t label_size(const Term& t, int l) {
  for (size_t d = 0; d < t.labels.size(); ++d)
    if (t.labels[d] == l) return t.t.shape()[d];
  return 1;
}

// Permutes t to `order` (labels of t), broadcasting size-1 dims to `sizes`, and reshapes to
// the products of the three groups.
Tensor arrange(const Term& t, const std::array<Labels, 3>& groups, const std::vector<int64_t>& sizes_by_label) {
  Shape perm, target, merged;
  for (const Labels& g : groups) {
    int64_t prod = 1;
    for (int l : g) {
      perm.push_back(std::find(t.labels.begin(), t.labels.end(), l) - t.labels.begin());
      target.push_back(sizes_by_label[static_cast<size_t>(l)]);
      prod *= sizes_by_label[static_cast<size_t>(l)];
    }
    merged.push_back(prod);
  }
  return reshape(expand(permute(t.t, perm), target), merged);
}

Term contract(const Term& l, const Term& r, const Labels& keep, int num_labels) {
  Labels batch, contracted, left, right;
  for (int x : l.labels) {
    if (contains(r.labels, x))
      (contains(keep, x) ? batch : contracted).push_back(x);
    else
      left.push_back(x);
  }
  for (int x : r.labels)
    if (!contains(l.labels, x)) right.push_back(x);
  // A label's size: broadcast between the operands holding it (size 1 stretches).
  std::vector<int64_t> sizes(static_cast<size_t>(num_labels), 1);
  for (int x = 0; x < num_labels; ++x) {
    int64_t sl = label_size(l, x), sr = label_size(r, x);
    sizes[static_cast<size_t>(x)] = sl == 1 ? sr : sl;
  }
  Tensor a = arrange(l, {batch, left, contracted}, sizes);
  Tensor b = arrange(r, {batch, contracted, right}, sizes);
  Tensor c = bmm(a, b);
  Term out;
  Shape shape;
  for (const Labels* g : {&batch, &left, &right})
    for (int x : *g) {
      out.labels.push_back(x);
      shape.push_back(sizes[static_cast<size_t>(x)]);
    }
  out.t = reshape(c, shape);
  return out;
}

std::string shapes_str(const std::vector<Tensor>& ops) {
  std::string s;
  for (size_t i = 0; i < ops.size(); ++i) s += (i ? ", " : "") + shape_str(ops[i].shape());
  return s;
}

}  // namespace

Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands) {
  std::string eq;
  for (char c : equation)
    if (c != ' ') eq += c;
  const size_t arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<Subscript> subs;
  for (size_t start = 0;;) {
    size_t comma = lhs.find(',', start);
    subs.push_back(parse_subscript(equation, lhs.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (subs.size() != operands.size())
    throw ValueError(MsgId::einsum_operand_count, equation, subs.size(), operands.size());
  for (size_t i = 0; i < operands.size(); ++i) {
    check_defined(operands[i], "einsum");
    if (operands[i].dtype() != operands[0].dtype())
      throw DTypeError(MsgId::la_dtype_mismatch, "einsum", operands[0].dtype(), operands[i].dtype());
  }
  if (operands[0].dtype() == DType::boolean) throw DTypeError(MsgId::dtype_not_supported, "einsum", DType::boolean);

  // Labels per operand; ellipsis dims are right-aligned across operands, as in broadcasting.
  int64_t ell = 0;
  for (size_t i = 0; i < subs.size(); ++i) {
    int64_t letters = static_cast<int64_t>(subs[i].letters.size()) - (subs[i].has_ellipsis ? 1 : 0);
    int64_t rank = operands[i].dim();
    if (subs[i].has_ellipsis ? rank < letters : rank != letters)
      throw ShapeError(MsgId::einsum_rank_mismatch, i, operands[i].shape(), lhs);
    if (subs[i].has_ellipsis) ell = std::max(ell, rank - letters);
  }
  const int num_labels = kLetters + static_cast<int>(ell);
  std::vector<Term> terms;
  std::vector<int> count(static_cast<size_t>(num_labels), 0);
  std::vector<int64_t> seen_size(static_cast<size_t>(num_labels), -1);
  for (size_t i = 0; i < subs.size(); ++i) {
    Term t{operands[i], {}};
    int64_t n_ell = operands[i].dim() - (static_cast<int64_t>(subs[i].letters.size()) - 1);
    for (int x : subs[i].letters) {
      if (x >= 0)
        t.labels.push_back(x);
      else
        for (int64_t j = 0; j < n_ell; ++j) t.labels.push_back(kLetters + static_cast<int>(ell - n_ell + j));
    }
    for (size_t d = 0; d < t.labels.size(); ++d) {
      size_t l = static_cast<size_t>(t.labels[d]);
      int64_t s = operands[i].shape()[d];
      ++count[l];
      // Sizes of one label must agree, except that 1 broadcasts (as torch.einsum allows).
      if (seen_size[l] >= 0 && seen_size[l] != 1 && s != 1 && s != seen_size[l])
        throw ShapeError(MsgId::einsum_size_mismatch, label_name(t.labels[d]), seen_size[l], s, shapes_str(operands));
      if (seen_size[l] < 0 || seen_size[l] == 1) seen_size[l] = s;
    }
    terms.push_back(std::move(t));
  }

  Labels out;
  if (arrow == std::string::npos) {  // implicit: ellipsis dims, then labels seen once, sorted
    for (int j = 0; j < ell; ++j) out.push_back(kLetters + j);
    Labels once;
    for (int l = 0; l < kLetters; ++l)
      if (count[static_cast<size_t>(l)] == 1) once.push_back(l);
    std::sort(once.begin(), once.end(), [](int a, int b) { return label_order(a) < label_order(b); });
    out.insert(out.end(), once.begin(), once.end());
  } else {
    Subscript rs = parse_subscript(equation, eq.substr(arrow + 2));
    for (int x : rs.letters) {
      Labels add;
      if (x >= 0)
        add.push_back(x);
      else
        for (int j = 0; j < ell; ++j) add.push_back(kLetters + j);
      for (int l : add) {
        if (contains(out, l) || (l < kLetters && count[static_cast<size_t>(l)] == 0))
          throw ValueError(MsgId::einsum_bad_equation, equation,
                           "output subscript '" + label_name(l) + "' repeated or not in the inputs");
        out.push_back(l);
      }
    }
  }

  // Labels still needed after operand i: the output's and those of operands after i.
  auto needed_after = [&](size_t i) {
    Labels n = out;
    for (size_t j = i + 1; j < terms.size(); ++j) n.insert(n.end(), terms[j].labels.begin(), terms[j].labels.end());
    return n;
  };
  Term acc = take_diagonals(terms[0]);
  sum_unneeded(acc, needed_after(0));
  for (size_t i = 1; i < terms.size(); ++i) {
    Term r = take_diagonals(terms[i]);
    Labels later = needed_after(i);
    Labels for_r = later, for_acc = later;
    for_r.insert(for_r.end(), acc.labels.begin(), acc.labels.end());
    for_acc.insert(for_acc.end(), r.labels.begin(), r.labels.end());
    sum_unneeded(r, for_r);
    sum_unneeded(acc, for_acc);
    acc = contract(acc, r, later, num_labels);
  }
  Shape perm;
  for (int l : out) perm.push_back(std::find(acc.labels.begin(), acc.labels.end(), l) - acc.labels.begin());
  return contiguous(permute(acc.t, perm));
}

}  // namespace hangu

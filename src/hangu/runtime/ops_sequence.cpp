// Sequence and optional values: SequenceEmpty, SequenceConstruct, SequenceInsert, SequenceAt,
// SequenceErase, SequenceLength, SplitToSequence, ConcatFromSequence, SequenceMap, Optional,
// OptionalHasElement, OptionalGetElement.
#include "hangu/ops/indexing.h"
#include "hangu/ops/views.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

const std::vector<Value>& sequence_in(const OpContext& c, size_t i) {
  const Value& v = c.value(i);
  if (!v.is_sequence()) throw DTypeError(MsgId::rt_input_kind, c.label(), i, v.describe(), "sequence");
  return v.elements();
}

// A position in a sequence of `n` (negative counts from the end; `n` itself allowed when insert).
int64_t seq_position(const OpContext& c, size_t input, int64_t n, bool insert) {
  int64_t p = c.input(input).item<int64_t>();
  const int64_t limit = insert ? n : n - 1;
  if (p < -n || p > limit) throw IndexError(MsgId::rt_index_out_of_range, c.label(), p, n);
  return p < 0 ? p + n : p;
}

void op_sequence_empty(OpContext& c) { c.set(0, Value::sequence({})); }

void op_sequence_construct(OpContext& c) {
  std::vector<Value> items;
  for (size_t i = 0; i < c.num_inputs(); ++i) items.push_back(c.value(i));
  c.set(0, Value::sequence(std::move(items)));
}

void op_sequence_insert(OpContext& c) {
  std::vector<Value> items = sequence_in(c, 0);
  const int64_t n = static_cast<int64_t>(items.size());
  const int64_t at = c.has(2) ? seq_position(c, 2, n, true) : n;
  items.insert(items.begin() + at, c.value(1));
  c.set(0, Value::sequence(std::move(items)));
}

void op_sequence_at(OpContext& c) {
  const std::vector<Value>& items = sequence_in(c, 0);
  c.set(0, items[static_cast<size_t>(seq_position(c, 1, static_cast<int64_t>(items.size()), false))]);
}

void op_sequence_erase(OpContext& c) {
  std::vector<Value> items = sequence_in(c, 0);
  const int64_t n = static_cast<int64_t>(items.size());
  const int64_t at = c.has(1) ? seq_position(c, 1, n, false) : n - 1;
  if (at < 0) throw IndexError(MsgId::rt_index_out_of_range, c.label(), at, n);
  items.erase(items.begin() + at);
  c.set(0, Value::sequence(std::move(items)));
}

void op_sequence_length(OpContext& c) {
  c.set(0, scalar_tensor(Scalar(static_cast<int64_t>(sequence_in(c, 0).size())), DType::i64));
}

void op_split_to_sequence(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t axis = norm_axis(c, c.attr_int("axis", 0), x.dim());
  const bool keepdims = c.attr_int("keepdims", 1) != 0;
  std::vector<Value> items;
  if (!c.has(1)) {
    for (int64_t i = 0; i < x.size(axis); ++i)
      items.push_back(Value(keepdims ? narrow(x, axis, i, 1) : select(x, axis, i)));
  } else {
    const Tensor& s = c.input(1);
    std::vector<int64_t> sizes;
    if (s.dim() == 0) {
      const int64_t each = s.item<int64_t>();
      if (each < 1) bad_input_shape(c, 1, {each}, "a positive split size");
      for (int64_t at = 0; at < x.size(axis); at += each) sizes.push_back(std::min(each, x.size(axis) - at));
    } else {
      sizes = int_values(s);
    }
    int64_t at = 0;
    for (int64_t len : sizes) {
      if (len < 0 || at + len > x.size(axis)) bad_input_shape(c, 1, s.shape(), "sizes summing to " + std::to_string(x.size(axis)));
      items.push_back(Value(narrow(x, axis, at, len)));
      at += len;
    }
  }
  c.set(0, Value::sequence(std::move(items)));
}

void op_concat_from_sequence(OpContext& c) {
  const std::vector<Value>& items = sequence_in(c, 0);
  if (items.empty()) throw ValueError(MsgId::rt_missing_input, c.label(), 0);
  std::vector<Tensor> ts;
  for (const Value& v : items) ts.push_back(v.tensor());
  const bool new_axis = c.attr_int("new_axis", 0) != 0;
  const int64_t axis = norm_axis(c, c.require_int("axis"), ts[0].dim() + (new_axis ? 1 : 0));
  c.set(0, new_axis ? stack(ts, axis) : cat(ts, axis));
}

void op_sequence_map(OpContext& c) {
  const std::vector<Value>& first = sequence_in(c, 0);
  const size_t n = first.size();
  std::vector<std::vector<Value>> outs(c.num_outputs());
  for (size_t i = 0; i < n; ++i) {
    std::vector<Value> in{first[i]};
    for (size_t k = 1; k < c.num_inputs(); ++k) {
      const Value& v = c.value(k);
      in.push_back(v.is_sequence() ? v.elements().at(i) : v);
    }
    std::vector<Value> out = c.run_subgraph("body", std::move(in));
    for (size_t k = 0; k < outs.size() && k < out.size(); ++k) outs[k].push_back(std::move(out[k]));
  }
  for (size_t k = 0; k < outs.size(); ++k) c.set(k, Value::sequence(std::move(outs[k])));
}

void op_optional(OpContext& c) { c.set(0, c.has(0) ? Value::optional(c.value(0)) : Value::optional_none()); }

void op_optional_has_element(OpContext& c) {
  bool has = false;
  if (c.has(0)) {
    const Value& v = c.value(0);
    has = v.is_optional() ? v.has_element() : true;
  }
  c.set(0, scalar_tensor(Scalar(has), DType::boolean));
}

void op_optional_get_element(OpContext& c) {
  const Value& v = c.value(0);
  if (!v.is_optional()) {
    c.set(0, v);
    return;
  }
  if (!v.has_element()) throw ValueError(MsgId::rt_optional_empty, c.label());
  c.set(0, v.elements()[0]);
}

}  // namespace

void register_sequence_ops(OpTable& t) {
  t.add("SequenceEmpty", op_sequence_empty);
  t.add("SequenceConstruct", op_sequence_construct);
  t.add("SequenceInsert", op_sequence_insert);
  t.add("SequenceAt", op_sequence_at);
  t.add("SequenceErase", op_sequence_erase);
  t.add("SequenceLength", op_sequence_length);
  t.add("SplitToSequence", op_split_to_sequence);
  t.add("ConcatFromSequence", op_concat_from_sequence);
  t.add("SequenceMap", op_sequence_map);
  t.add("Optional", op_optional);
  t.add("OptionalHasElement", op_optional_has_element);
  t.add("OptionalGetElement", op_optional_get_element);
}

}  // namespace hangu::runtime

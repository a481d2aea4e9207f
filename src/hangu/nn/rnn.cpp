#include "hangu/nn/rnn.h"

#include <cmath>

#include "hangu/nn/init.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/ops/views.h"

namespace hangu::nn {

RecurrentBase::RecurrentBase(const char* type_name, int64_t gates, int64_t in, int64_t hidden, int64_t layers,
                             bool has_bias, bool bf, double p)
    : Module(type_name),
      input_size(in),
      hidden_size(hidden),
      num_layers(layers),
      bias(has_bias),
      batch_first(bf),
      dropout(p) {
  if (in <= 0) throw ValueError(MsgId::arg_invalid, type_name, "input_size", in);
  if (hidden <= 0) throw ValueError(MsgId::arg_invalid, type_name, "hidden_size", hidden);
  if (layers <= 0) throw ValueError(MsgId::arg_invalid, type_name, "num_layers", layers);
  if (!(p >= 0.0 && p <= 1.0)) throw ValueError(MsgId::value_out_of_range, type_name, "dropout", "[0, 1]", msg_arg(p));
  double bound = 1.0 / std::sqrt(static_cast<double>(hidden));
  for (int64_t l = 0; l < layers; ++l) {
    std::string sfx = "_l" + std::to_string(l);
    LayerWeights w;
    w.w_ih = register_parameter("weight_ih" + sfx, empty({gates * hidden, l == 0 ? in : hidden}));
    w.w_hh = register_parameter("weight_hh" + sfx, empty({gates * hidden, hidden}));
    if (has_bias) {
      w.b_ih = register_parameter("bias_ih" + sfx, empty({gates * hidden}));
      w.b_hh = register_parameter("bias_hh" + sfx, empty({gates * hidden}));
    }
    layers_.push_back(w);
  }
  for (const Tensor& t : parameters()) init::uniform_(t, -bound, bound);
}

std::string RecurrentBase::extra_repr() const {
  std::string s = std::to_string(input_size) + ", " + std::to_string(hidden_size);
  if (num_layers != 1) s += ", num_layers=" + std::to_string(num_layers);
  if (!bias) s += ", bias=False";
  if (batch_first) s += ", batch_first=True";
  if (dropout != 0.0) s += ", dropout=" + msg_arg(dropout);
  return s;
}

Tensor RecurrentBase::time_major(const Tensor& input, bool* batched) const {
  check_defined(input, name().c_str());
  if (input.dim() != 2 && input.dim() != 3) throw ShapeError(MsgId::nn_input_rank, name(), "2 or 3", input.shape());
  if (input.size(-1) != input_size) throw ShapeError(MsgId::nn_input_features, name(), input_size, -1, input.shape());
  *batched = input.dim() == 3;
  if (!*batched) return unsqueeze(input, 1);
  return batch_first ? transpose(input, 0, 1) : input;
}

Tensor RecurrentBase::initial_state(const Tensor& h0, int64_t layer, int64_t batch, bool batched, DType dtype) const {
  if (!h0.defined()) return zeros({batch, hidden_size}, dtype);
  Shape want = batched ? Shape{num_layers, batch, hidden_size} : Shape{num_layers, hidden_size};
  if (h0.shape() != want) throw ShapeError(MsgId::shape_mismatch, name() + " initial state", want, h0.shape());
  Tensor h = select(h0, 0, layer);
  return batched ? h : unsqueeze(h, 0);
}

Tensor RecurrentBase::output_layout(const Tensor& out, bool batched) const {
  if (!batched) return squeeze(out, 1);
  return batch_first ? transpose(out, 0, 1) : out;
}

Tensor RecurrentBase::state_layout(const std::vector<Tensor>& per_layer, bool batched) const {
  Tensor s = stack(per_layer, 0);  // (num_layers, N, H)
  return batched ? s : squeeze(s, 1);
}

LSTMOutput LSTM::forward(const Tensor& input, const Tensor& h0, const Tensor& c0) {
  bool batched = false;
  Tensor x = time_major(input, &batched);
  int64_t steps = x.size(0), batch = x.size(1);
  std::vector<Tensor> h_n, c_n;
  for (int64_t l = 0; l < num_layers; ++l) {
    const LayerWeights& w = layers_[static_cast<size_t>(l)];
    Tensor h = initial_state(h0, l, batch, batched, x.dtype());
    Tensor c = initial_state(c0, l, batch, batched, x.dtype());
    Tensor x_gates = linear(x, w.w_ih, w.b_ih);  // every step's input projection at once
    std::vector<Tensor> outs;
    for (int64_t t = 0; t < steps; ++t) {
      Tensor g = add(select(x_gates, 0, t), linear(h, w.w_hh, w.b_hh));
      std::vector<Tensor> gate = chunk(g, 4, 1);  // i, f, g, o
      Tensor i = sigmoid(gate[0]), f = sigmoid(gate[1]), cand = tanh(gate[2]), o = sigmoid(gate[3]);
      c = add(mul(f, c), mul(i, cand));
      h = mul(o, tanh(c));
      outs.push_back(h);
    }
    x = stack(outs, 0);
    if (l + 1 < num_layers && dropout > 0.0 && is_training()) x = hangu::dropout(x, dropout, true, generator);
    h_n.push_back(h);
    c_n.push_back(c);
  }
  return {output_layout(x, batched), state_layout(h_n, batched), state_layout(c_n, batched)};
}

GRUOutput GRU::forward(const Tensor& input, const Tensor& h0) {
  bool batched = false;
  Tensor x = time_major(input, &batched);
  int64_t steps = x.size(0), batch = x.size(1);
  std::vector<Tensor> h_n;
  for (int64_t l = 0; l < num_layers; ++l) {
    const LayerWeights& w = layers_[static_cast<size_t>(l)];
    Tensor h = initial_state(h0, l, batch, batched, x.dtype());
    Tensor x_gates = linear(x, w.w_ih, w.b_ih);
    std::vector<Tensor> outs;
    for (int64_t t = 0; t < steps; ++t) {
      std::vector<Tensor> gi = chunk(select(x_gates, 0, t), 3, 1);  // r, z, n
      std::vector<Tensor> gh = chunk(linear(h, w.w_hh, w.b_hh), 3, 1);
      Tensor r = sigmoid(add(gi[0], gh[0]));
      Tensor z = sigmoid(add(gi[1], gh[1]));
      Tensor cand = tanh(add(gi[2], mul(r, gh[2])));
      h = add(cand, mul(z, sub(h, cand)));  // (1 - z) * n + z * h
      outs.push_back(h);
    }
    x = stack(outs, 0);
    if (l + 1 < num_layers && dropout > 0.0 && is_training()) x = hangu::dropout(x, dropout, true, generator);
    h_n.push_back(h);
  }
  return {output_layout(x, batched), state_layout(h_n, batched)};
}

}  // namespace hangu::nn

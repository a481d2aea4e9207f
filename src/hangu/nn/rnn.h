#pragma once
// Multi-layer LSTM and GRU with PyTorch's parameter names (weight_ih_l0, weight_hh_l0,
// bias_ih_l0, bias_hh_l0, ...), gate order (LSTM: i, f, g, o; GRU: r, z, n) and layouts:
// input (L, N, F), (N, L, F) when batch_first, or unbatched (L, F); states (num_layers, N, H).
// Written with differentiable ops, one time step at a time.
#include "hangu/core/rng.h"
#include "hangu/nn/module.h"

namespace hangu::nn {

// What LSTM and GRU share: the per-layer parameters and the input/state layouts.
class RecurrentBase : public Module {
 public:
  RecurrentBase(const char* type_name, int64_t gates, int64_t input_size, int64_t hidden_size, int64_t num_layers,
                bool bias, bool batch_first, double dropout);
  std::string extra_repr() const override;

  int64_t input_size, hidden_size, num_layers;
  bool bias, batch_first;
  double dropout;
  Generator* generator = nullptr;  // for dropout between layers; null = default generator

 protected:
  struct LayerWeights {
    Tensor w_ih, w_hh, b_ih, b_hh;
  };
  std::vector<LayerWeights> layers_;
  // (L, N, F) view of the input; sets batched.
  Tensor time_major(const Tensor& input, bool* batched) const;
  // The initial state for layer `i`: h0[i] or zeros (N, H).
  Tensor initial_state(const Tensor& h0, int64_t layer, int64_t batch, bool batched, DType dtype) const;
  // Back to the caller's layout.
  Tensor output_layout(const Tensor& out, bool batched) const;
  Tensor state_layout(const std::vector<Tensor>& per_layer, bool batched) const;
};

struct LSTMOutput {
  Tensor output;    // the last layer's h at every step
  Tensor h_n, c_n;  // (num_layers, N, H), or (num_layers, H) unbatched
};

class LSTM : public RecurrentBase {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool bias = true, bool batch_first = false,
       double dropout = 0.0)
      : RecurrentBase("LSTM", 4, input_size, hidden_size, num_layers, bias, batch_first, dropout) {}
  using Module::operator();
  // h0, c0 default to zeros.
  LSTMOutput forward(const Tensor& input, const Tensor& h0, const Tensor& c0);
  Tensor forward(const Tensor& input) override { return forward(input, Tensor(), Tensor()).output; }
};

struct GRUOutput {
  Tensor output;
  Tensor h_n;
};

class GRU : public RecurrentBase {
 public:
  GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers = 1, bool bias = true, bool batch_first = false,
      double dropout = 0.0)
      : RecurrentBase("GRU", 3, input_size, hidden_size, num_layers, bias, batch_first, dropout) {}
  using Module::operator();
  GRUOutput forward(const Tensor& input, const Tensor& h0);
  Tensor forward(const Tensor& input) override { return forward(input, Tensor()).output; }
};

}  // namespace hangu::nn

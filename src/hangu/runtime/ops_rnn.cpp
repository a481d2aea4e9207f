// Recurrent layers: RNN, GRU and LSTM with ONNX's gate orders (GRU z r h, LSTM i o f c),
// directions (forward, reverse, bidirectional), per-batch sequence lengths, clipping, peepholes,
// layouts and the named activation functions. Plain loops in double: the reference form.
#include <cmath>
#include <functional>

#include "hangu/ops/views.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

using Act = std::function<double(double)>;

Act make_activation(const OpContext& c, const std::string& name, std::optional<float> alpha, std::optional<float> beta) {
  auto A = [&](float d) { return static_cast<double>(alpha.value_or(d)); };
  auto B = [&](float d) { return static_cast<double>(beta.value_or(d)); };
  if (name == "Sigmoid") return [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  if (name == "Tanh") return [](double x) { return std::tanh(x); };
  if (name == "Relu") return [](double x) { return x > 0 ? x : 0.0; };
  if (name == "LeakyRelu") return [a = A(0.01f)](double x) { return x >= 0 ? x : a * x; };
  if (name == "ThresholdedRelu") return [a = A(1.0f)](double x) { return x > a ? x : 0.0; };
  if (name == "ScaledTanh") return [a = A(1.0f), b = B(1.0f)](double x) { return a * std::tanh(b * x); };
  if (name == "HardSigmoid")
    return [a = A(0.2f), b = B(0.5f)](double x) { return std::max(0.0, std::min(1.0, a * x + b)); };
  if (name == "Elu") return [a = A(1.0f)](double x) { return x >= 0 ? x : a * (std::exp(x) - 1.0); };
  if (name == "Softsign") return [](double x) { return x / (1.0 + std::fabs(x)); };
  if (name == "Softplus") return [](double x) { return std::log1p(std::exp(x)); };
  if (name == "Affine") return [a = A(1.0f), b = B(0.0f)](double x) { return a * x + b; };
  unsupported_attr(c, "activations", name);
}

enum class Cell { rnn, gru, lstm };

struct RnnSpec {
  int64_t seq = 0, batch = 0, input = 0, hidden = 0, dirs = 1, gates = 1;
  bool layout1 = false;
};

template <Cell K>
void op_recurrent(OpContext& c) {
  constexpr int64_t G = K == Cell::rnn ? 1 : K == Cell::gru ? 3 : 4;
  constexpr size_t NA = K == Cell::rnn ? 1 : K == Cell::gru ? 2 : 3;
  const Tensor& xin = c.input(0);
  RnnSpec s;
  s.layout1 = c.attr_int("layout", 0) != 0;
  if (xin.dim() != 3) bad_input_shape(c, 0, xin.shape(), "[seq, batch, input]");
  Tensor x = s.layout1 ? transpose(xin, 0, 1) : xin;  // [seq, batch, input]
  s.seq = x.size(0);
  s.batch = x.size(1);
  s.input = x.size(2);
  s.hidden = c.require_int("hidden_size");
  const std::string direction = c.attr_string("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional") bad_attr(c, "direction", direction, "forward, reverse or bidirectional");
  s.dirs = direction == "bidirectional" ? 2 : 1;
  const int64_t H = s.hidden, I = s.input;
  const std::vector<double> W = double_values(c.input(1)), R = double_values(c.input(2));
  if (static_cast<int64_t>(W.size()) != s.dirs * G * H * I) bad_input_shape(c, 1, c.input(1).shape(), shape_str(Shape{s.dirs, G * H, I}));
  if (static_cast<int64_t>(R.size()) != s.dirs * G * H * H) bad_input_shape(c, 2, c.input(2).shape(), shape_str(Shape{s.dirs, G * H, H}));
  std::vector<double> Bv = c.has(3) ? double_values(c.input(3)) : std::vector<double>(static_cast<size_t>(s.dirs * 2 * G * H), 0.0);
  if (static_cast<int64_t>(Bv.size()) != s.dirs * 2 * G * H) bad_input_shape(c, 3, c.input(3).shape(), shape_str(Shape{s.dirs, 2 * G * H}));
  std::vector<int64_t> lens = c.has(4) ? int_values(c.input(4)) : std::vector<int64_t>(static_cast<size_t>(s.batch), s.seq);
  for (int64_t l : lens)
    if (l < 0 || l > s.seq) throw IndexError(MsgId::rt_index_out_of_range, c.label(), l, s.seq + 1);
  auto state_in = [&](size_t i) {
    if (!c.has(i)) return std::vector<double>(static_cast<size_t>(s.dirs * s.batch * H), 0.0);
    Tensor t = c.input(i);
    if (s.layout1) t = transpose(t, 0, 1);
    std::vector<double> v = double_values(t);
    if (static_cast<int64_t>(v.size()) != s.dirs * s.batch * H) bad_input_shape(c, i, c.input(i).shape(), shape_str(Shape{s.dirs, s.batch, H}));
    return v;
  };
  std::vector<double> h0 = state_in(5), c0 = K == Cell::lstm ? state_in(6) : std::vector<double>{};
  std::vector<double> P = K == Cell::lstm && c.has(7) ? double_values(c.input(7)) : std::vector<double>(static_cast<size_t>(s.dirs * 3 * H), 0.0);
  const std::vector<double> X = double_values(x);
  const double clip = c.attr_float("clip", 0.0f);
  const bool linear_before_reset = c.attr_int("linear_before_reset", 0) != 0;
  const bool input_forget = c.attr_int("input_forget", 0) != 0;

  std::vector<std::string> names = c.attr_strings("activations");
  const std::vector<float> alphas = c.attr_floats("activation_alpha"), betas = c.attr_floats("activation_beta");
  const std::vector<std::string> defaults = K == Cell::rnn ? std::vector<std::string>{"Tanh"}
                                            : K == Cell::gru ? std::vector<std::string>{"Sigmoid", "Tanh"}
                                                             : std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"};
  if (names.empty())
    for (int64_t d = 0; d < s.dirs; ++d) names.insert(names.end(), defaults.begin(), defaults.end());
  if (names.size() != NA * static_cast<size_t>(s.dirs)) bad_attr(c, "activations", std::to_string(names.size()), std::to_string(NA * static_cast<size_t>(s.dirs)) + " names");
  std::vector<Act> acts;
  for (size_t i = 0; i < names.size(); ++i)
    acts.push_back(make_activation(c, names[i], i < alphas.size() ? std::optional<float>(alphas[i]) : std::nullopt,
                                   i < betas.size() ? std::optional<float>(betas[i]) : std::nullopt));

  std::vector<double> Y(static_cast<size_t>(s.seq * s.dirs * s.batch * H), 0.0);
  std::vector<double> Yh(static_cast<size_t>(s.dirs * s.batch * H)), Yc(static_cast<size_t>(s.dirs * s.batch * H));
  std::vector<double> g(static_cast<size_t>(G * H)), hprev(static_cast<size_t>(H)), cprev(static_cast<size_t>(H)),
      hnew(static_cast<size_t>(H)), rh(static_cast<size_t>(H));
  auto clipv = [clip](double v) { return clip > 0 ? std::max(-clip, std::min(clip, v)) : v; };
  for (int64_t d = 0; d < s.dirs; ++d) {
    const bool reverse = direction == "reverse" || d == 1;
    const double* w = W.data() + d * G * H * I;
    const double* r = R.data() + d * G * H * H;
    const double* wb = Bv.data() + d * 2 * G * H;
    const double* rb = wb + G * H;
    const double* p = P.data() + d * 3 * H;
    const Act& f = acts[static_cast<size_t>(d) * NA];
    const Act& gact = acts[static_cast<size_t>(d) * NA + (NA > 1 ? 1 : 0)];
    const Act& hact = acts[static_cast<size_t>(d) * NA + (NA > 2 ? 2 : 0)];
    for (int64_t b = 0; b < s.batch; ++b) {
      for (int64_t k = 0; k < H; ++k) {
        hprev[static_cast<size_t>(k)] = h0[static_cast<size_t>((d * s.batch + b) * H + k)];
        cprev[static_cast<size_t>(k)] = K == Cell::lstm ? c0[static_cast<size_t>((d * s.batch + b) * H + k)] : 0.0;
      }
      const int64_t len = lens[static_cast<size_t>(b)];
      for (int64_t step = 0; step < len; ++step) {
        const int64_t t = reverse ? len - 1 - step : step;
        const double* xt = X.data() + (t * s.batch + b) * I;
        // g = W x + Wb + Rb (+ R h, except GRU's h gate, which needs r first).
        for (int64_t j = 0; j < G * H; ++j) {
          double v = wb[j];
          for (int64_t i = 0; i < I; ++i) v += w[j * I + i] * xt[i];
          const bool gru_h = K == Cell::gru && j >= 2 * H;
          if (!gru_h) {
            v += rb[j];
            for (int64_t i = 0; i < H; ++i) v += r[j * H + i] * hprev[static_cast<size_t>(i)];
          }
          g[static_cast<size_t>(j)] = v;
        }
        if (K == Cell::rnn) {
          for (int64_t k = 0; k < H; ++k) hnew[static_cast<size_t>(k)] = f(clipv(g[static_cast<size_t>(k)]));
        } else if (K == Cell::gru) {
          std::vector<double> z(static_cast<size_t>(H)), rr(static_cast<size_t>(H));
          for (int64_t k = 0; k < H; ++k) {
            z[static_cast<size_t>(k)] = f(clipv(g[static_cast<size_t>(k)]));
            rr[static_cast<size_t>(k)] = f(clipv(g[static_cast<size_t>(H + k)]));
          }
          for (int64_t k = 0; k < H; ++k) {
            const double* rk = r + (2 * H + k) * H;
            double acc = 0;
            if (linear_before_reset) {
              for (int64_t i = 0; i < H; ++i) acc += rk[i] * hprev[static_cast<size_t>(i)];
              acc = rr[static_cast<size_t>(k)] * (acc + rb[2 * H + k]);
            } else {
              for (int64_t i = 0; i < H; ++i) acc += rk[i] * rr[static_cast<size_t>(i)] * hprev[static_cast<size_t>(i)];
              acc += rb[2 * H + k];
            }
            const double hh = gact(clipv(g[static_cast<size_t>(2 * H + k)] + acc));
            hnew[static_cast<size_t>(k)] = (1.0 - z[static_cast<size_t>(k)]) * hh + z[static_cast<size_t>(k)] * hprev[static_cast<size_t>(k)];
          }
        } else {
          for (int64_t k = 0; k < H; ++k) {
            const size_t ks = static_cast<size_t>(k);
            const double gi = f(clipv(g[ks] + p[k] * cprev[ks]));
            double gf = f(clipv(g[static_cast<size_t>(2 * H + k)] + p[2 * H + k] * cprev[ks]));
            if (input_forget) gf = 1.0 - gi;
            const double gc = gact(clipv(g[static_cast<size_t>(3 * H + k)]));
            const double cnew = gf * cprev[ks] + gi * gc;
            const double go = f(clipv(g[static_cast<size_t>(H + k)] + p[H + k] * cnew));
            hnew[ks] = go * hact(cnew);
            cprev[ks] = cnew;
          }
        }
        hprev = hnew;
        for (int64_t k = 0; k < H; ++k) Y[static_cast<size_t>(((t * s.dirs + d) * s.batch + b) * H + k)] = hnew[static_cast<size_t>(k)];
      }
      for (int64_t k = 0; k < H; ++k) {
        Yh[static_cast<size_t>((d * s.batch + b) * H + k)] = hprev[static_cast<size_t>(k)];
        Yc[static_cast<size_t>((d * s.batch + b) * H + k)] = cprev[static_cast<size_t>(k)];
      }
    }
  }
  const DType dt = xin.dtype();
  Tensor y = tensor(Y, IntList(Shape{s.seq, s.dirs, s.batch, H}));
  Tensor yh = tensor(Yh, IntList(Shape{s.dirs, s.batch, H}));
  Tensor yc = tensor(Yc, IntList(Shape{s.dirs, s.batch, H}));
  if (s.layout1) {
    y = permute(y, {2, 0, 1, 3});
    yh = transpose(yh, 0, 1);
    yc = transpose(yc, 0, 1);
  }
  c.set(0, to(contiguous(y), dt));
  c.set(1, to(contiguous(yh), dt));
  if (K == Cell::lstm) c.set(2, to(contiguous(yc), dt));
}

}  // namespace

void register_rnn_ops(OpTable& t) {
  t.add("RNN", op_recurrent<Cell::rnn>);
  t.add("GRU", op_recurrent<Cell::gru>);
  t.add("LSTM", op_recurrent<Cell::lstm>);
}

}  // namespace hangu::runtime

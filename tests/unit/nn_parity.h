#pragma once
// Helpers for the nn and models tests: load a PyTorch fixture written by tools/gen_nn_fixtures.py
// into a module and compare forward and backward with it.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "hangu/hangu.h"
#include "hangu/nn/module.h"

namespace hangu::nn_test {

inline io::SafetensorsFile load_nn_fixture(const std::string& name) {
  return io::load_safetensors(std::string(HANGU_FIXTURE_DIR) + "/nn/" + name + ".safetensors");
}

inline Tensor fixture_tensor(const io::SafetensorsFile& f, const std::string& name) {
  const Tensor* t = f.find(name);
  if (!t) ADD_FAILURE() << "fixture has no tensor " << name;
  return t ? *t : Tensor();
}

// The entries called "<prefix><key>", renamed to "<key>".
inline nn::StateDict with_prefix(const io::SafetensorsFile& f, const std::string& prefix) {
  nn::StateDict out;
  for (const auto& [n, t] : f.tensors)
    if (n.rfind(prefix, 0) == 0) out.emplace_back(n.substr(prefix.size()), t);
  return out;
}

// |got - want| <= atol + rtol * |want| elementwise, same shape; NaN matches NaN.
inline void expect_close(const Tensor& got, const Tensor& want, const std::string& what, double rtol = 1e-5,
                         double atol = 1e-8) {
  ASSERT_TRUE(got.defined()) << what << ": undefined";
  ASSERT_EQ(got.shape(), want.shape()) << what;
  std::vector<double> g = to_vector<double>(got), w = to_vector<double>(want);
  int bad = 0;
  for (size_t i = 0; i < g.size() && bad < 5; ++i) {
    bool ok = (std::isnan(g[i]) && std::isnan(w[i])) || std::abs(g[i] - w[i]) <= atol + rtol * std::abs(w[i]);
    if (!ok) {
      ++bad;
      ADD_FAILURE() << what << "[" << i << "]: got " << g[i] << ", PyTorch " << w[i];
    }
  }
}

// Runs the module on the fixture's input; the first tensor returned is the output that is
// differentiated, the others are compared with the fixture tensors named in `extra`.
using ForwardFn = std::function<std::vector<Tensor>(nn::Module&, const Tensor&)>;

inline std::vector<Tensor> call_forward(nn::Module& m, const Tensor& x) { return {m.forward(x)}; }

// Loads state.* into m (converted to float64), runs forward in train or eval mode, and checks
// output, extra outputs, changed buffers (after.*), grad.input and grad.<param>.
inline void check_layer_parity(const std::string& name, const std::shared_ptr<nn::Module>& m, bool train = true,
                               const ForwardFn& fwd = call_forward, const std::vector<std::string>& extra = {},
                               double rtol = 1e-5) {
  io::SafetensorsFile f = load_nn_fixture(name);
  m->to(DType::f64);
  m->load_state_dict(with_prefix(f, "state."), true);
  m->train(train);
  Tensor x = clone(fixture_tensor(f, "input"));
  if (x.is_floating_point()) x.set_requires_grad(true);
  std::vector<Tensor> outs = fwd(*m, x);
  expect_close(outs[0], fixture_tensor(f, "output"), name + " output", rtol);
  for (size_t i = 0; i < extra.size(); ++i)
    expect_close(outs[i + 1], fixture_tensor(f, extra[i]), name + " " + extra[i], rtol);
  nn::StateDict after = with_prefix(f, "after.");
  for (const auto& [k, want] : after)
    for (const auto& [k2, got] : m->state_dict())
      if (k == k2) expect_close(got, want, name + " buffer " + k, rtol);

  sum(mul(outs[0], fixture_tensor(f, "cotangent"))).backward();
  if (const Tensor* gi = f.find("grad.input")) expect_close(x.grad(), *gi, name + " grad input", rtol);
  for (const auto& [k, p] : m->named_parameters())
    if (const Tensor* gp = f.find("grad." + k)) expect_close(p.grad(), *gp, name + " grad " + k, rtol);
}

}  // namespace hangu::nn_test

#pragma once
// The op registry: one entry per operator, naming its front-end function, whether it is
// differentiable, its ONNX counterpart, sample inputs (checked against PyTorch fixtures) and
// error inputs (checked for the right typed error). The test suite walks this table; an op
// without samples fails it. See docs/architecture.md, "Adding an op".
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "hangu/core/error.h"
#include "hangu/core/tensor.h"

namespace hangu::ops {

// A non-tensor argument of an op: bool, integer, float, string, list of ints, or dtype.
class Arg {
 public:
  using Value = std::variant<bool, int64_t, double, std::string, std::vector<int64_t>, DType>;
  Arg(bool v) : v_(v) {}  // NOLINT: implicit, so OpArgs reads like keyword arguments
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  Arg(I v) : v_(static_cast<int64_t>(v)) {}  // NOLINT
  Arg(double v) : v_(v) {}                                      // NOLINT
  Arg(const char* v) : v_(std::string(v)) {}                    // NOLINT
  Arg(std::string v) : v_(std::move(v)) {}                      // NOLINT
  Arg(std::vector<int64_t> v) : v_(std::move(v)) {}             // NOLINT
  Arg(std::initializer_list<int64_t> v) : v_(std::vector<int64_t>(v)) {}  // NOLINT
  Arg(DType v) : v_(v) {}                                       // NOLINT
  const Value& value() const { return v_; }
  std::string to_json() const;

 private:
  Value v_;
};

class OpArgs {
 public:
  OpArgs() = default;
  OpArgs(std::initializer_list<std::pair<const std::string, Arg>> kv) : m_(kv) {}
  bool has(const std::string& k) const { return m_.count(k) != 0; }
  void set(const std::string& k, Arg v) { m_.insert_or_assign(k, std::move(v)); }
  // Typed getters; the default is returned when the key is absent.
  int64_t get_int(const std::string& k, int64_t def = 0) const;
  double get_double(const std::string& k, double def = 0) const;  // ints and bools convert
  bool get_bool(const std::string& k, bool def = false) const;
  std::string get_str(const std::string& k, const std::string& def = "") const;
  std::vector<int64_t> get_ints(const std::string& k, const std::vector<int64_t>& def = {}) const;
  DType get_dtype(const std::string& k, DType def = DType::f32) const;
  Scalar get_scalar(const std::string& k, Scalar def = Scalar(0)) const;  // bool, int or float as stored
  const std::map<std::string, Arg>& items() const { return m_; }
  std::string to_json() const;

 private:
  std::map<std::string, Arg> m_;
};

using OpFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&, const OpArgs&)>;

struct OpSample {
  std::vector<Tensor> inputs;
  OpArgs args;
  std::string desc;  // e.g. "broadcast [3,1] x [4]"
};

struct OpErrorCase {
  std::vector<Tensor> inputs;
  OpArgs args;
  ErrorKind kind;                     // the typed error expected
  std::vector<std::string> mentions;  // substrings the message must contain (shapes, dims, dtypes)
  std::string desc;
};

using SampleFn = std::function<std::vector<OpSample>()>;
using ErrorCaseFn = std::function<std::vector<OpErrorCase>()>;

// How the forward result is checked.
enum class OpCheck : uint8_t {
  fixture,  // against outputs computed by PyTorch/NumPy (tools/fixtures/)
  rng,      // random: against an independent NumPy implementation of our Philox stream
};

struct OpInfo {
  std::string name;         // PyTorch's name: "add", "index_select", "rand", ...
  int num_inputs = 1;       // tensor inputs; -1 for a list (cat, stack, einsum)
  bool differentiable = false;
  std::string onnx;         // the ONNX op type it maps to, if any
  OpFn fn;                  // calls the front-end function
  SampleFn samples;
  ErrorCaseFn error_cases;
  OpCheck check = OpCheck::fixture;
  double rtol = 1e-6;       // for f32 results; f64 uses 1e-12, 16-bit floats their own eps
  double atol = 1e-6;
  std::string group;        // "unary", "binary", "reduction", ... (for listings)
};

// The one way registry files build an entry; check, rtol and atol keep their defaults (set them
// on the result where needed). Samples and error cases may also be assigned afterwards.
OpInfo make_op(std::string name, std::string group, int num_inputs, bool differentiable, std::string onnx, OpFn fn,
               SampleFn samples = {}, ErrorCaseFn error_cases = {});

class OpRegistry {
 public:
  // Adds an op; throws ValueError if the name is already taken or fn/samples are missing.
  void add(OpInfo info);
  const OpInfo* find(std::string_view name) const;
  const std::vector<OpInfo>& all() const { return ops_; }

 private:
  std::vector<OpInfo> ops_;
};

// The registry with every op, built on first use.
const OpRegistry& op_registry();

// One function per group fills the registry (explicit calls: static initialisers would be
// dropped by the linker from a static library).
void register_creation_ops(OpRegistry& r);
void register_view_ops(OpRegistry& r);
void register_copy_ops(OpRegistry& r);
void register_unary_ops(OpRegistry& r);
void register_binary_ops(OpRegistry& r);
void register_compare_ops(OpRegistry& r);
void register_reduction_ops(OpRegistry& r);
void register_linalg_ops(OpRegistry& r);
void register_indexing_ops(OpRegistry& r);
void register_shape_ops(OpRegistry& r);
void register_sort_ops(OpRegistry& r);
void register_nn_conv_ops(OpRegistry& r);
void register_nn_norm_ops(OpRegistry& r);

}  // namespace hangu::ops

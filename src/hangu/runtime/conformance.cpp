#include "hangu/runtime/conformance.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "hangu/core/error.h"
#include "hangu/io/onnx/model.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/runtime/session.h"

namespace hangu::runtime {

namespace fs = std::filesystem;

const char* status_name(CaseResult::Status s) {
  switch (s) {
    case CaseResult::Status::pass: return "pass";
    case CaseResult::Status::fail: return "fail";
    case CaseResult::Status::skip: return "skip";
  }
  return "?";
}

io::Json ConformanceReport::to_json() const {
  io::Json j = io::Json::object();
  j["total"] = total;
  j["passed"] = passed;
  j["failed"] = failed;
  j["skipped"] = skipped;
  io::Json cs = io::Json::array();
  for (const CaseResult& r : cases) {
    io::Json c = io::Json::object();
    c["name"] = r.name;
    c["status"] = status_name(r.status);
    c["reason"] = r.reason;
    cs.push_back(std::move(c));
  }
  j["cases"] = std::move(cs);
  return j;
}

std::vector<std::string> find_cases(const std::vector<std::string>& paths) {
  std::vector<std::string> cases;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) throw IoError(MsgId::rt_case_not_folder, p);
    if (fs::exists(fs::path(p) / "model.onnx", ec)) {
      cases.push_back(p);
      continue;
    }
    std::vector<std::string> sub;
    for (const auto& e : fs::directory_iterator(p, ec))
      if (e.is_directory() && fs::exists(e.path() / "model.onnx")) sub.push_back(e.path().string());
    std::sort(sub.begin(), sub.end());
    cases.insert(cases.end(), sub.begin(), sub.end());
  }
  return cases;
}

namespace {

Value to_value(const io::onnx::DataValue& d) {
  using K = io::onnx::DataValue::Kind;
  switch (d.kind) {
    case K::tensor:
      if (d.tensor.elem_type == io::onnx::ElemType::string) return Value::from_strings({d.tensor.dims, d.tensor.strings});
      return Value(d.tensor.tensor);
    case K::sequence: {
      std::vector<Value> items;
      for (const auto& e : d.elems) items.push_back(to_value(e));
      return Value::sequence(std::move(items));
    }
    case K::optional: return d.elems.empty() ? Value::optional_none() : Value::optional(to_value(d.elems[0]));
    default: return Value();
  }
}

// NumPy has no bfloat16, so the ONNX cases store bfloat16 data as uint16 bit patterns: read
// them as the bfloat16 the model declares.
Value as_declared(const io::onnx::DataValue& d, const io::onnx::TypeInfo& type) {
  if (d.kind == io::onnx::DataValue::Kind::tensor && d.tensor.elem_type == io::onnx::ElemType::uint16 &&
      type.kind == io::onnx::TypeInfo::Kind::tensor && type.elem_type == io::onnx::ElemType::bfloat16) {
    std::vector<int64_t> bits = to_vector<int64_t>(d.tensor.tensor);
    Tensor t = empty(IntList(d.tensor.tensor.shape()), DType::bf16);
    uint16_t* p = reinterpret_cast<uint16_t*>(t.data());
    for (size_t i = 0; i < bits.size(); ++i) p[i] = static_cast<uint16_t>(bits[i]);
    return Value(t);
  }
  return to_value(d);
}

std::string index_str(int64_t flat, const Shape& shape) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  return shape_str(idx);
}

std::string num_str(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

std::string compare_tensors(const Tensor& got, const Tensor& want, const std::string& what, const ConformanceOptions& o) {
  if (got.dtype() != want.dtype()) return tr(MsgId::rt_cmp_dtype, {what, std::string(dtype_name(got.dtype())), std::string(dtype_name(want.dtype()))});
  if (got.shape() != want.shape()) return tr(MsgId::rt_cmp_shape, {what, shape_str(got.shape()), shape_str(want.shape())});
  const bool floating = got.is_floating_point();
  int64_t bad = 0, first = -1;
  double first_got = 0, first_want = 0;
  if (floating) {
    std::vector<double> g = to_vector<double>(got), w = to_vector<double>(want);
    for (size_t i = 0; i < g.size(); ++i) {
      const double a = g[i], b = w[i];
      bool ok;
      if (std::isnan(b)) ok = std::isnan(a);
      else if (std::isinf(b)) ok = a == b;
      else ok = std::fabs(a - b) <= o.atol + o.rtol * std::fabs(b);
      if (!ok && bad++ == 0) {
        first = static_cast<int64_t>(i);
        first_got = a;
        first_want = b;
      }
    }
  } else {
    std::vector<int64_t> g = to_vector<int64_t>(got), w = to_vector<int64_t>(want);
    for (size_t i = 0; i < g.size(); ++i)
      if (g[i] != w[i] && bad++ == 0) {
        first = static_cast<int64_t>(i);
        first_got = static_cast<double>(g[i]);
        first_want = static_cast<double>(w[i]);
      }
  }
  if (bad == 0) return "";
  return tr(MsgId::rt_cmp_value, {what, index_str(first, got.shape()), num_str(first_got), num_str(first_want),
                                  std::to_string(bad), std::to_string(got.numel())});
}

}  // namespace

std::string compare_values(const Value& got, const Value& want, const std::string& what, const ConformanceOptions& o) {
  if (got.kind() != want.kind()) {
    // An optional holding a value may stand for that value, and vice versa.
    if (got.is_optional() && got.has_element()) return compare_values(got.elements()[0], want, what, o);
    if (want.is_optional() && want.has_element()) return compare_values(got, want.elements()[0], what, o);
    return tr(MsgId::rt_cmp_kind, {what, got.describe(), want.describe()});
  }
  switch (got.kind()) {
    case Value::Kind::empty: return "";
    case Value::Kind::tensor: return compare_tensors(got.tensor(), want.tensor(), what, o);
    case Value::Kind::strings:
      if (got.strings().shape != want.strings().shape)
        return tr(MsgId::rt_cmp_shape, {what, shape_str(got.strings().shape), shape_str(want.strings().shape)});
      for (size_t i = 0; i < got.strings().data.size(); ++i)
        if (got.strings().data[i] != want.strings().data[i])
          return tr(MsgId::rt_cmp_string, {what, index_str(static_cast<int64_t>(i), got.strings().shape),
                                           got.strings().data[i], want.strings().data[i]});
      return "";
    case Value::Kind::sequence:
    case Value::Kind::optional: {
      const auto &g = got.elements(), &w = want.elements();
      if (g.size() != w.size())
        return tr(MsgId::rt_cmp_seq_len, {what, std::to_string(g.size()), std::to_string(w.size())});
      for (size_t i = 0; i < g.size(); ++i) {
        std::string r = compare_values(g[i], w[i], what + "[" + std::to_string(i) + "]", o);
        if (!r.empty()) return r;
      }
      return "";
    }
  }
  return "";
}

namespace {

std::vector<std::string> numbered_files(const fs::path& dir, const std::string& prefix) {
  std::vector<std::pair<int64_t, std::string>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind(prefix, 0) != 0 || n.size() < prefix.size() + 4 || n.substr(n.size() - 3) != ".pb") continue;
    const std::string num = n.substr(prefix.size(), n.size() - prefix.size() - 3);
    if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) continue;
    found.emplace_back(std::stoll(num), e.path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> v;
  for (auto& f : found) v.push_back(f.second);
  return v;
}

void run_data_set(const Session& s, const fs::path& set, const std::string& case_name, const ConformanceOptions& opts) {
  const std::vector<std::string> in_files = numbered_files(set, "input_"), out_files = numbered_files(set, "output_");
  const Graph& g = s.graph();
  // Inputs are fed to the graph inputs without a default, in order (as the ONNX backend runner).
  std::vector<int32_t> feed_slots;
  for (int32_t sl : g.inputs)
    if (!g.slots[static_cast<size_t>(sl)].has_default) feed_slots.push_back(sl);
  if (in_files.size() > g.inputs.size())
    throw ValueError(MsgId::rt_case_input_count, case_name, in_files.size(), feed_slots.size());
  std::map<std::string, Value> inputs;
  for (size_t i = 0; i < in_files.size(); ++i) {
    const int32_t sl = i < feed_slots.size() ? feed_slots[i] : g.inputs[i];
    const Slot& slot = g.slots[static_cast<size_t>(sl)];
    inputs[slot.name] = as_declared(io::onnx::load_value(in_files[i], slot.type), slot.type);
  }
  std::vector<Value> got = s.run_values(inputs);
  if (got.size() < out_files.size()) throw ValueError(MsgId::rt_case_output_count, case_name, got.size(), out_files.size());
  for (size_t i = 0; i < out_files.size(); ++i) {
    const Slot& slot = g.slots[static_cast<size_t>(g.outputs[i])];
    Value want = as_declared(io::onnx::load_value(out_files[i], slot.type), slot.type);
    std::string r = compare_values(got[i], want, "'" + slot.name + "'", opts);
    if (!r.empty()) throw ValueError(MsgId::rt_case_mismatch, set.filename().string(), r);
  }
}

}  // namespace

CaseResult run_case(const std::string& dir, const ConformanceOptions& opts) {
  CaseResult r;
  r.dir = dir;
  r.name = fs::path(dir).filename().string();
  if (r.name.empty()) r.name = fs::path(dir).parent_path().filename().string();
  try {
    // The ONNX backend runner feeds the case's tensors without checking them against the
    // declared shapes (a few cases declare other shapes than they feed).
    SessionOptions so;
    so.check_input_shapes = false;
    Session s(dir + "/model.onnx", so);
    std::vector<fs::path> sets;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(e.path());
    std::sort(sets.begin(), sets.end());
    if (sets.empty()) throw FormatError(MsgId::rt_case_no_data, dir);
    for (const fs::path& set : sets) run_data_set(s, set, r.name, opts);
    r.status = CaseResult::Status::pass;
  } catch (const Unsupported& e) {
    r.status = CaseResult::Status::skip;
    r.reason = e.what();
  } catch (const Error& e) {
    r.status = CaseResult::Status::fail;
    r.reason = e.what();
  } catch (const std::exception& e) {
    r.status = CaseResult::Status::fail;
    r.reason = tr(MsgId::cli_internal_error, {e.what()});
  }
  return r;
}

ConformanceReport run_conformance(const std::vector<std::string>& paths, const ConformanceOptions& opts,
                                  const std::function<void(const CaseResult&)>& on_case) {
  ConformanceReport rep;
  for (const std::string& dir : find_cases(paths)) {
    CaseResult r = run_case(dir, opts);
    ++rep.total;
    if (r.status == CaseResult::Status::pass) ++rep.passed;
    else if (r.status == CaseResult::Status::fail) ++rep.failed;
    else ++rep.skipped;
    if (on_case) on_case(r);
    rep.cases.push_back(std::move(r));
  }
  return rep;
}

}  // namespace hangu::runtime

// `hangu run MODEL.onnx --input NAME=FILE.npy ... --output-dir DIR [--json]` writes each output
// of the model as DIR/NAME.npy; `hangu bench MODEL.onnx [--input NAME=FILE.npy] --warmup W
// --iters K [--json]` times the session (random inputs where none are given).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include "hangu/cli/commands.h"
#include "hangu/core/error.h"
#include "hangu/core/i18n.h"
#include "hangu/core/rng.h"
#include "hangu/core/thread_pool.h"
#include "hangu/io/json.h"
#include "hangu/io/npy.h"
#include "hangu/ops/creation.h"
#include "hangu/runtime/session.h"

namespace hangu::cli {

namespace {

std::string model_arg(const ParsedArgs& args, const char* cmd) {
  if (args.positionals.size() != 1) throw ValueError(MsgId::rt_cli_one_model, cmd, args.positionals.size());
  return args.positionals[0];
}

// --input NAME=FILE.npy (or FILE.npy alone when the model has one input).
std::map<std::string, Tensor> read_inputs(const ParsedArgs& args, const runtime::Session& s, const char* cmd) {
  std::map<std::string, Tensor> in;
  const std::vector<std::string> required = s.input_names();
  for (const std::string& spec : args.values("--input")) {
    const size_t eq = spec.find('=');
    std::string name, file;
    if (eq == std::string::npos) {
      if (required.size() != 1) throw ValueError(MsgId::rt_cli_bad_input_arg, cmd, spec);
      name = required[0];
      file = spec;
    } else {
      name = spec.substr(0, eq);
      file = spec.substr(eq + 1);
    }
    if (name.empty() || file.empty()) throw ValueError(MsgId::rt_cli_bad_input_arg, cmd, spec);
    in[name] = io::load_npy(file);
  }
  return in;
}

// A file name from an output name: characters outside [A-Za-z0-9_.-] become '_'.
std::string file_stem(const std::string& name) {
  std::string s = name.empty() ? "output" : name;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '-' && ch != '.') ch = '_';
  if (s == "." || s == "..") s = "_";
  return s;
}

// A random input of the declared type, symbolic dims taken as 1 (batch 1).
Tensor random_input(const runtime::Slot& slot, Generator& gen) {
  const auto& t = slot.type;
  if (!slot.has_type || t.kind != io::onnx::TypeInfo::Kind::tensor || !t.shape)
    throw ValueError(MsgId::rt_cli_no_shape, "bench", slot.name);
  Shape shape;
  for (const auto& d : *t.shape) shape.push_back(d.value && *d.value > 0 ? *d.value : 1);
  const DType dt = runtime::dtype_from_elem(t.elem_type, slot.name);
  if (is_floating(dt)) return to(randn(IntList(shape), DType::f32, &gen), dt);
  return zeros(IntList(shape), dt);
}

}  // namespace

std::vector<OptionSpec> run_options() { return {{"--input", true}, {"--output-dir", true}, {"--json", false}}; }

int run_run(const ParsedArgs& args) {
  const std::string model = model_arg(args, "run");
  auto dir = args.value("--output-dir");
  if (!dir || dir->empty()) throw ValueError(MsgId::rt_cli_missing_option, "run", "--output-dir");
  runtime::Session s(model);
  std::map<std::string, Tensor> in = read_inputs(args, s, "run");
  const auto t0 = std::chrono::steady_clock::now();
  std::map<std::string, Tensor> out = s.run(in);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::error_code ec;
  std::filesystem::create_directories(*dir, ec);
  io::Json outputs = io::Json::array();
  for (const std::string& name : s.output_names()) {
    const Tensor& t = out[name];
    const std::string path = (std::filesystem::path(*dir) / (file_stem(name) + ".npy")).string();
    io::save_npy(path, t);
    if (args.has("--json")) {
      io::Json o = io::Json::object();
      o["name"] = name;
      o["path"] = path;
      o["dtype"] = std::string(dtype_name(t.dtype()));
      io::Json shape = io::Json::array();
      for (int64_t d : t.shape()) shape.push_back(d);
      o["shape"] = std::move(shape);
      outputs.push_back(std::move(o));
    } else {
      std::printf("%s\n", tr(MsgId::rt_cli_output_line, {name, std::string(dtype_name(t.dtype())), shape_str(t.shape()), path}).c_str());
    }
  }
  if (args.has("--json")) {
    io::Json j = io::Json::object();
    j["model"] = model;
    j["outputs"] = std::move(outputs);
    j["ms"] = ms;
    std::printf("%s\n", j.dump().c_str());
  }
  return 0;
}

std::vector<OptionSpec> bench_onnx_options() { return {{"--input", true}, {"--iters", true}, {"--profile", false}}; }

int run_bench_onnx(const ParsedArgs& args) {
  const std::string model = model_arg(args, "bench");
  runtime::Session s(model);
  std::map<std::string, Tensor> in = read_inputs(args, s, "bench");
  Generator gen(0);
  for (const std::string& name : s.input_names())
    if (!in.count(name)) in[name] = random_input(*s.input_slot(name), gen);
  const int64_t warmup = args.has("--warmup") ? parse_int(*args.value("--warmup"), "--warmup") : 3;
  const int64_t iters = args.has("--iters") ? parse_int(*args.value("--iters"), "--iters") : 20;
  if (warmup < 0 || warmup > 1000000) throw ValueError(MsgId::cli_bad_int, "--warmup", std::to_string(warmup));
  if (iters < 1 || iters > 1000000) throw ValueError(MsgId::cli_bad_int, "--iters", std::to_string(iters));
  for (int64_t i = 0; i < warmup; ++i) s.run(in);
  std::vector<double> ms;
  for (int64_t i = 0; i < iters; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    s.run(in);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const double min_ms = sorted.front();
  const size_t n = sorted.size();
  const double median_ms = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  // --profile: the same number of runs again, each node timed, summed per operator type.
  struct OpTime {
    std::string op;
    double ms = 0;
    int64_t nodes = 0;
  };
  std::vector<OpTime> profile;
  if (args.has("--profile")) {
    std::map<std::string, runtime::Value> values;
    for (const auto& [name, t] : in) values[name] = runtime::Value(t);
    runtime::RunStats st;
    st.profile = true;
    for (int64_t i = 0; i < iters; ++i) s.run_values(values, &st);
    std::map<std::string, int64_t> nodes;
    for (const runtime::Node& node : s.graph().nodes) ++nodes[node.op_type];
    for (const auto& [op, total] : st.op_ms) profile.push_back({op, total / static_cast<double>(iters), nodes[op]});
    std::sort(profile.begin(), profile.end(), [](const OpTime& a, const OpTime& b) { return a.ms > b.ms; });
  }
  double profile_total = 0;
  for (const OpTime& t : profile) profile_total += t.ms;
  if (args.has("--json")) {
    io::Json j = io::Json::object();
    j["benchmark"] = "onnx";
    j["framework"] = "hangu";
    j["model"] = model;
    j["threads"] = get_num_threads();
    j["warmup"] = warmup;
    j["iters"] = iters;
    j["min_ms"] = min_ms;
    j["median_ms"] = median_ms;
    if (args.has("--profile")) {
      io::Json ops = io::Json::array();
      for (const OpTime& t : profile) {
        io::Json o = io::Json::object();
        o["op"] = t.op;
        o["ms"] = t.ms;
        o["nodes"] = t.nodes;
        ops.push_back(std::move(o));
      }
      j["profile"] = std::move(ops);
    }
    std::printf("%s\n", j.dump().c_str());
  } else {
    char a[32], b[32];
    std::snprintf(a, sizeof(a), "%.3f", min_ms);
    std::snprintf(b, sizeof(b), "%.3f", median_ms);
    std::printf("%s\n", tr(MsgId::rt_cli_bench_line, {model, a, b, std::to_string(iters), std::to_string(get_num_threads())}).c_str());
    for (const OpTime& t : profile) {
      char ms_text[32], share[32];
      std::snprintf(ms_text, sizeof(ms_text), "%.3f", t.ms);
      std::snprintf(share, sizeof(share), "%.1f", profile_total > 0 ? 100.0 * t.ms / profile_total : 0.0);
      std::printf("%s\n", tr(MsgId::rt_cli_profile_line, {t.op, ms_text, share, std::to_string(t.nodes)}).c_str());
    }
  }
  return 0;
}

}  // namespace hangu::cli

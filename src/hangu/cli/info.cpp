// `hangu info`: what this build and this machine offer, as text or as one JSON object.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "hangu/cli/commands.h"
#include "hangu/core/cpu_features.h"
#include "hangu/kernels/cpu/isa.h"
#include "hangu/core/i18n.h"
#include "hangu/core/thread_pool.h"
#include "hangu/core/version.h"
#include "hangu/ops/registry.h"

namespace hangu::cli {
namespace {

std::vector<std::pair<const char*, bool>> feature_list(const CpuFeatures& f) {
  return {{"avx2", f.avx2},
          {"fma", f.fma},
          {"avx512f", f.avx512f},
          {"avx512bw", f.avx512bw},
          {"avx512vl", f.avx512vl},
          {"avx512dq", f.avx512dq},
          {"avx512_bf16", f.avx512_bf16},
          {"avx512_vnni", f.avx512_vnni},
          {"avx512_fp16", f.avx512_fp16},
          {"amx", f.amx_tile}};
}

enum class BackendState { on, not_yet, not_built, not_supported };

struct Backend {
  const char* key;  // the JSON key
  MsgId label;
  BackendState state;
};

constexpr BackendState built_state(bool built) { return built ? BackendState::on : BackendState::not_built; }

std::vector<Backend> backends() {
#ifdef HANGU_WITH_CUDA
  constexpr bool cuda = true;
#else
  constexpr bool cuda = false;
#endif
#ifdef HANGU_WITH_OPENBLAS
  constexpr bool openblas = true;
#else
  constexpr bool openblas = false;
#endif
#ifdef HANGU_WITH_MPI
  constexpr bool mpi = true;
#else
  constexpr bool mpi = false;
#endif
  using kernels::Isa;
  auto isa_state = [](Isa isa) { return kernels::isa_supported(isa) ? BackendState::on : BackendState::not_supported; };
  return {{"cpu_reference", MsgId::cli_backend_cpu_reference, BackendState::on},
          {"cpu_avx2", MsgId::cli_backend_cpu_avx2, isa_state(Isa::avx2)},
          {"cpu_avx512", MsgId::cli_backend_cpu_avx512, isa_state(Isa::avx512)},
          {"cuda", MsgId::cli_backend_cuda, built_state(cuda)},
          {"openblas", MsgId::cli_backend_openblas, built_state(openblas)},
          {"mpi", MsgId::cli_backend_mpi, built_state(mpi)}};
}

MsgId state_message(BackendState s) {
  switch (s) {
    case BackendState::on:
      return MsgId::cli_state_on;
    case BackendState::not_yet:
      return MsgId::cli_state_not_yet;
    case BackendState::not_supported:
      return MsgId::cli_state_not_supported;
    case BackendState::not_built:
      return MsgId::cli_state_not_built;
  }
  return MsgId::cli_state_not_built;
}

const char* state_json(BackendState s) {
  switch (s) {
    case BackendState::on:
      return "\"on\"";
    case BackendState::not_yet:
      return "\"not_yet\"";
    case BackendState::not_built:
      return "\"off\"";
    case BackendState::not_supported:
      return "\"unsupported\"";
  }
  return "\"off\"";
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Everything is gathered before printing, so an error (a bad HANGU_NUM_THREADS) prints alone.
void print_text() {
  const CpuFeatures& f = cpu_features();
  std::string on, off;
  for (const auto& [name, present] : feature_list(f)) {
    std::string& list = present ? on : off;
    if (!list.empty()) list += ' ';
    list += name;
  }
  std::string none = tr(MsgId::cli_info_none);
  std::vector<std::string> lines = {tr(MsgId::cli_info_title, {std::string(version())}),
                                    tr(MsgId::cli_info_cpu, {f.brand.empty() ? none : f.brand}),
                                    tr(MsgId::cli_info_features_on, {on.empty() ? none : on}),
                                    tr(MsgId::cli_info_features_off, {off.empty() ? none : off}),
                                    tr(MsgId::cli_info_threads, {std::to_string(get_num_threads())}),
                                    tr(MsgId::cli_info_isa, {kernels::isa_name(kernels::active_isa())}),
                                    tr(MsgId::cli_info_backends)};
  for (const Backend& b : backends())
    lines.push_back(tr(MsgId::cli_info_backend_row, {tr(b.label), tr(state_message(b.state))}));
  lines.push_back(tr(MsgId::cli_info_ops, {std::to_string(ops::op_registry().all().size())}));
  std::string out;
  for (const std::string& l : lines) {
    out += l;
    out += '\n';
  }
  std::fputs(out.c_str(), stdout);
}

void print_json() {
  const CpuFeatures& f = cpu_features();
  std::string out = "{\n";
  out += "  \"version\": ";
  out += json_string(std::string(version()));
  out += ",\n  \"cpu\": {\"brand\": ";
  out += json_string(f.brand);
  out += ", \"features\": {";
  bool first = true;
  for (const auto& [name, present] : feature_list(f)) {
    out += std::string(first ? "" : ", ") + "\"" + name + "\": " + (present ? "true" : "false");
    first = false;
  }
  out += "}},\n";
  out += "  \"threads\": ";
  out += std::to_string(get_num_threads());
  out += ",\n";
  out += "  \"isa\": ";
  out += json_string(kernels::isa_name(kernels::active_isa()));
  out += ",\n";
  out += "  \"backends\": {";
  first = true;
  for (const Backend& b : backends()) {
    out += std::string(first ? "" : ", ") + "\"" + b.key + "\": " + state_json(b.state);
    first = false;
  }
  out += "},\n";
  const auto& all = ops::op_registry().all();
  out += "  \"num_ops\": ";
  out += std::to_string(all.size());
  out += ",\n";
  out += "  \"ops\": [";
  for (size_t i = 0; i < all.size(); ++i) {
    if (i) out += ", ";
    out += json_string(all[i].name);
  }
  out += "]\n}\n";
  std::fputs(out.c_str(), stdout);
}

}  // namespace

std::vector<OptionSpec> info_options() { return {{"--json", false}}; }

int run_info(const ParsedArgs& args) {
  if (args.has("--json")) {
    print_json();
  } else {
    print_text();
  }
  return 0;
}

}  // namespace hangu::cli

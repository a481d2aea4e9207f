// Writes the sample inputs of registered ops for tools/gen_op_fixtures.py:
//   dump_op_samples OUTDIR [OP...]
// For each op (all when none are named): OUTDIR/<op>.inputs.safetensors with tensors
// "s<k>.in<j>" (contiguous copies of the inputs) and metadata "op", "group", "check",
// "differentiable", "num_samples", "s<k>.args" (OpArgs JSON), "s<k>.desc", "s<k>.num_inputs",
// "s<k>.num_outputs" (from running the op once). Exits 1 naming the ops whose fn throws on a sample.
#include <cstdio>
#include <exception>
#include <set>
#include <string>

#include "hangu/io/safetensors.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/registry.h"

int main(int argc, char** argv) {
  using namespace hangu;
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr, "usage: %s OUTDIR [OP...]\n", argv[0]);
    return argc < 2 ? 2 : 0;
  }
  std::string outdir = argv[1];
  std::set<std::string> wanted(argv + 2, argv + argc);
  const auto& reg = ops::op_registry();
  for (const auto& name : wanted)
    if (!reg.find(name)) std::fprintf(stderr, "dump_op_samples: unknown op '%s'\n", name.c_str());
  int failures = 0, written = 0;
  for (const ops::OpInfo& op : reg.all()) {
    if (!wanted.empty() && !wanted.count(op.name)) continue;
    try {
      io::NamedTensors tensors;
      std::map<std::string, std::string> meta;
      std::vector<ops::OpSample> samples = op.samples ? op.samples() : std::vector<ops::OpSample>{};
      meta["op"] = op.name;
      meta["group"] = op.group;
      meta["differentiable"] = op.differentiable ? "true" : "false";
      meta["check"] = op.check == ops::OpCheck::rng ? "rng" : "fixture";
      meta["num_samples"] = std::to_string(samples.size());
      for (size_t k = 0; k < samples.size(); ++k) {
        const ops::OpSample& s = samples[k];
        std::string p = "s" + std::to_string(k);
        for (size_t j = 0; j < s.inputs.size(); ++j)
          tensors.emplace_back(p + ".in" + std::to_string(j), clone(s.inputs[j]));
        std::vector<Tensor> out = op.fn(s.inputs, s.args);
        meta[p + ".args"] = s.args.to_json();
        meta[p + ".desc"] = s.desc;
        meta[p + ".num_inputs"] = std::to_string(s.inputs.size());
        meta[p + ".num_outputs"] = std::to_string(out.size());
      }
      io::save_safetensors(outdir + "/" + op.name + ".inputs.safetensors", tensors, meta);
      ++written;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "dump_op_samples: %s: %s\n", op.name.c_str(), e.what());
      ++failures;
    }
  }
  std::fprintf(stderr, "dump_op_samples: wrote %d ops, %d failed\n", written, failures);
  return failures ? 1 : 0;
}

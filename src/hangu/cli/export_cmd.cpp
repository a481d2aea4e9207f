// `hangu export --model lenet|mlp --weights FILE.safetensors --onnx OUT.onnx [--json]`: the
// model with those weights as an ONNX file (opset 13, dynamic batch), written atomically.
// `hangu export --model MODEL_FOLDER --onnx OUT.onnx`: an image classifier trained by
// `hangu train --data FOLDER`; the class names and the preprocessing go into the file's metadata
// ("hangu:classes", "hangu:preprocessing", both JSON) so that an app needs nothing else.
#include <algorithm>
#include <cstdio>

#include "hangu/cli/commands.h"
#include "hangu/cli/image_model.h"
#include "hangu/cli/trainer.h"
#include "hangu/core/error.h"
#include "hangu/io/json.h"
#include "hangu/io/onnx/model.h"
#include "hangu/models/onnx_export.h"
#include "hangu/models/registry.h"
#include "hangu/models/weights.h"

namespace hangu::cli {
namespace {

std::string required(const ParsedArgs& args, const std::string& option) {
  auto v = args.value(option);
  if (!v || v->empty()) throw ValueError(MsgId::cli_option_required, "export", option);
  return *v;
}

void print_done(const ParsedArgs& args, const std::string& name, const std::string& weights, const std::string& out,
                const io::onnx::Model& onnx) {
  const auto nodes = static_cast<int64_t>(onnx.graph.nodes.size());
  const auto inits = static_cast<int64_t>(onnx.graph.initializers.size());
  if (args.has("--json")) {
    io::Json j = io::Json::object();
    j["model"] = name;
    j["weights"] = weights;
    j["onnx"] = out;
    j["opset"] = onnx.opset();
    j["nodes"] = nodes;
    j["initializers"] = inits;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s\n", tr(MsgId::onnx_export_done,
                           {name, out, std::to_string(nodes), std::to_string(inits), std::to_string(onnx.opset())})
                            .c_str());
  }
}

int export_image_model(const ParsedArgs& args, const std::string& dir) {
  const std::string out = required(args, "--onnx");
  const ImageModel m = load_image_model(dir);
  io::onnx::Model onnx = models::export_image_onnx(m.info.model, *m.net, m.info.image_size);
  const io::Json j = image_model_json(m.info);
  onnx.metadata["hangu:classes"] = j.find("classes")->dump();
  onnx.metadata["hangu:preprocessing"] = j.find("preprocessing")->dump();
  io::onnx::save_model(onnx, out);
  print_done(args, m.info.model, dir + "/" + kImageModelWeights, out, onnx);
  return 0;
}

}  // namespace

std::vector<OptionSpec> export_options() {
  return {{"--model", true}, {"--weights", true}, {"--onnx", true}, {"--json", false}};
}

int run_export(const ParsedArgs& args) {
  const std::string name = required(args, "--model");
  if (is_image_model_dir(name)) return export_image_model(args, name);
  const std::vector<std::string> names = models::onnx_export_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string known;
    for (const std::string& n : names) known.append(known.empty() ? "" : ", ").append(n);
    throw ValueError(MsgId::cli_option_choice, "export", "--model", name, known);
  }
  const std::string weights = required(args, "--weights");
  const std::string out = required(args, "--onnx");

  auto model = models::create(name);
  as_bad_input([&] { nn::load_weights(*model, weights, true); });
  const io::onnx::Model onnx = models::export_onnx(name, *model);
  io::onnx::save_model(onnx, out);
  print_done(args, name, weights, out, onnx);
  return 0;
}

}  // namespace hangu::cli

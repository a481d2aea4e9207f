#include "hangu/models/registry.h"

#include "hangu/models/lenet.h"
#include "hangu/models/mlp.h"
#include "hangu/models/small_cnn.h"

namespace hangu::models {

std::vector<std::string> model_names() { return {"lenet", "mlp"}; }

std::shared_ptr<nn::Module> create(const std::string& name) {
  if (name == "lenet") return std::make_shared<LeNet>();
  if (name == "mlp") return std::make_shared<Mlp>();
  std::string known;
  for (const std::string& n : model_names()) known.append(known.empty() ? "" : ", ").append(n);
  throw ValueError(MsgId::models_unknown_model, name, known);
}

std::vector<std::string> image_model_names() { return {"cnn"}; }

std::shared_ptr<nn::Module> create(const std::string& name, int64_t num_classes) {
  if (name == "cnn") return std::make_shared<SmallCnn>(num_classes);
  std::string known;
  for (const std::string& n : image_model_names()) known.append(known.empty() ? "" : ", ").append(n);
  throw ValueError(MsgId::models_unknown_model, name, known);
}

}  // namespace hangu::models

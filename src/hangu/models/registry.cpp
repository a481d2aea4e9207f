#include "hangu/models/registry.h"

#include "hangu/models/lenet.h"
#include "hangu/models/mlp.h"
#include "hangu/models/small_cnn.h"
#include "hangu/models/vision_registry.h"

namespace hangu::models {

std::vector<std::string> model_names() { return {"lenet", "mlp"}; }

std::shared_ptr<nn::Module> create(const std::string& name) {
  if (name == "lenet") return std::make_shared<LeNet>();
  if (name == "mlp") return std::make_shared<Mlp>();
  std::string known;
  for (const std::string& n : model_names()) known.append(known.empty() ? "" : ", ").append(n);
  throw ValueError(MsgId::models_unknown_model, name, known);
}

std::vector<std::string> image_model_names() {
  std::vector<std::string> names = {"cnn"};
  for (const std::string& n : vision_model_names()) names.push_back(n);
  return names;
}

std::shared_ptr<nn::Module> create(const std::string& name, int64_t num_classes) {
  if (name == "cnn") return std::make_shared<SmallCnn>(num_classes);
  if (auto m = create_vision_model(name, num_classes)) return m;
  std::string known;
  for (const std::string& n : image_model_names()) known.append(known.empty() ? "" : ", ").append(n);
  throw ValueError(MsgId::models_unknown_model, name, known);
}

std::shared_ptr<nn::Module> create(const std::string& name, int64_t num_classes, int64_t image_size) {
  if (auto m = create_vision_model(name, num_classes, image_size)) return m;
  return create(name, num_classes);
}

}  // namespace hangu::models

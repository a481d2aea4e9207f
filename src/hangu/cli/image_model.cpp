#include "hangu/cli/image_model.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "hangu/cli/trainer.h"
#include "hangu/core/autograd_meta.h"
#include "hangu/core/error.h"
#include "hangu/io/atomic_file.h"
#include "hangu/models/registry.h"
#include "hangu/models/weights.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/reduction.h"

namespace hangu::cli {

namespace fs = std::filesystem;

namespace {

// 0.485f is written 0.485, not 0.48500001430511475: the shortest text that reads back the same float.
io::Json channels_json(const data::Channels3& v) {
  io::Json a = io::Json::array();
  for (float x : v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(x));
    for (int digits = 1; digits <= 9; ++digits) {
      std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(x));
      if (std::strtof(buf, nullptr) == x) break;
    }
    a.push_back(std::strtod(buf, nullptr));
  }
  return a;
}

[[noreturn]] void bad_field(const std::string& file, const char* field, const char* expected) {
  throw ValueError(MsgId::img_model_json_field, file, field, expected);
}

data::Channels3 channels_from(const io::Json* v, const std::string& file, const char* field) {
  if (!v || !v->is_array() || v->size() != 3) bad_field(file, field, "a list of 3 numbers");
  data::Channels3 out{};
  for (size_t i = 0; i < 3; ++i) {
    const io::Json& x = v->as_array()[i];
    if (!x.is_number()) bad_field(file, field, "a list of 3 numbers");
    out[i] = static_cast<float>(x.as_double());
  }
  return out;
}

}  // namespace

io::Json image_model_json(const ImageModelInfo& info) {
  io::Json j = io::Json::object();
  j["format"] = kImageModelFormat;
  j["version"] = 1;
  j["model"] = info.model;
  j["weights"] = kImageModelWeights;
  io::Json classes = io::Json::array();
  for (const std::string& c : info.classes) classes.push_back(c);
  j["classes"] = std::move(classes);
  io::Json pre = io::Json::object();
  pre["resize_shorter_side"] = info.image_size;
  pre["center_crop"] = info.image_size;
  pre["resize"] = "bilinear, antialias";
  pre["color"] = "RGB";
  pre["scale"] = "pixel / 255";
  pre["mean"] = channels_json(info.mean);
  pre["std"] = channels_json(info.std);
  j["preprocessing"] = std::move(pre);
  j["training"] = info.training;
  j["history"] = info.history;
  return j;
}

void write_image_model_json(const std::string& dir, const ImageModelInfo& info) {
  io::write_file_atomic((fs::path(dir) / kImageModelJson).string(), image_model_json(info).dump() + "\n");
}

bool is_image_model_dir(const std::string& dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir) / kImageModelJson, ec);
}

ImageModel load_image_model(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw ValueError(MsgId::img_model_dir_bad, dir, "not a folder");
  const std::string file = (fs::path(dir) / kImageModelJson).string();
  if (!is_image_model_dir(dir))
    throw ValueError(MsgId::img_model_dir_bad, dir, std::string(kImageModelJson) + " is missing");
  ImageModel m;
  io::Json j;
  as_bad_input([&] { j = io::Json::parse(io::read_file(file), file); });
  const io::Json* format = j.find("format");
  if (!format || !format->is_string() || format->as_string() != kImageModelFormat)
    bad_field(file, "format", "\"hangu-image-classifier\"");
  const io::Json* model = j.find("model");
  if (!model || !model->is_string()) bad_field(file, "model", "a model name");
  m.info.model = model->as_string();
  const io::Json* classes = j.find("classes");
  if (!classes || !classes->is_array() || classes->size() < 1) bad_field(file, "classes", "a list of class names");
  for (const io::Json& c : classes->as_array()) {
    if (!c.is_string()) bad_field(file, "classes", "a list of class names");
    m.info.classes.push_back(c.as_string());
  }
  const io::Json* pre = j.find("preprocessing");
  if (!pre || !pre->is_object()) bad_field(file, "preprocessing", "an object");
  const io::Json* size = pre->find("center_crop");
  if (!size || !size->is_int() || size->as_int() < 1 || size->as_int() > 4096)
    bad_field(file, "preprocessing.center_crop", "a size 1..4096");
  m.info.image_size = size->as_int();
  m.info.mean = channels_from(pre->find("mean"), file, "preprocessing.mean");
  m.info.std = channels_from(pre->find("std"), file, "preprocessing.std");
  for (float s : m.info.std)
    if (!(s > 0.0f)) bad_field(file, "preprocessing.std", "3 numbers > 0");
  if (const io::Json* t = j.find("training")) m.info.training = *t;
  if (const io::Json* h = j.find("history")) m.info.history = *h;

  m.net = models::create(m.info.model, static_cast<int64_t>(m.info.classes.size()), m.info.image_size);
  const std::string weights = (fs::path(dir) / kImageModelWeights).string();
  as_bad_input([&] { nn::load_weights(*m.net, weights, true); });
  m.net->eval();
  return m;
}

Tensor classify(nn::Module& net, const ImageModelInfo& info, const std::vector<data::Image>& images) {
  NoGradGuard no_grad;
  std::vector<Tensor> xs;
  xs.reserve(images.size());
  for (const data::Image& img : images) xs.push_back(data::to_normalized_tensor(img, info.mean, info.std));
  return softmax(net(stack(xs, 0)), 1);
}

}  // namespace hangu::cli

#include "hangu/cli/image_transfer.h"

#include <algorithm>

#include "hangu/cli/trainer.h"
#include "hangu/core/error.h"
#include "hangu/core/i18n.h"
#include "hangu/models/registry.h"

namespace hangu::cli {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out.append(out.empty() ? "" : "; ").append(s);
  return out;
}

}  // namespace

ImageTransfer::ImageTransfer(const ParsedArgs& args, const std::string& model_name)
    : model_name_(model_name), init_(args.value("--init").value_or("")), freeze_(args.has("--freeze-backbone")) {
  if (!active()) return;
  const std::vector<std::string> names = models::vision_model_names();
  if (std::find(names.begin(), names.end(), model_name_) == names.end()) {
    if (freeze_) throw ValueError(MsgId::vis_freeze_needs_model, model_name_);
    throw ValueError(MsgId::vis_no_features, model_name_);
  }
  if (!init_.empty()) as_bad_input([&] { tensors_ = models::read_init_tensors(init_); });
}

std::shared_ptr<nn::Module> ImageTransfer::make(int64_t num_classes, int64_t image_size) {
  std::shared_ptr<models::ImageClassifier> m = models::create_vision_model(model_name_, num_classes, image_size);
  if (!m) return models::create(model_name_, num_classes, image_size);
  if (!init_.empty()) {
    models::BackboneLoad r = models::load_backbone(*m, model_name_, tensors_, init_);
    if (!made_) load_ = r;
  }
  if (freeze_) m->freeze_backbone();
  if (!made_) {
    head_ = m->head_name();
    for (const Tensor& p : m->parameters()) {
      total_ += p.numel();
      if (p.requires_grad()) trainable_ += p.numel();
    }
  }
  made_ = true;
  return m;
}

std::vector<std::string> ImageTransfer::report() const {
  std::vector<std::string> lines;
  if (!made_) return lines;
  if (!init_.empty()) {
    lines.push_back(tr(MsgId::vis_init_loaded, {init_, std::to_string(load_.loaded)}));
    if (!load_.head_skipped.empty())
      lines.push_back(tr(MsgId::vis_init_head_skipped, {init_, join(load_.head_skipped)}));
    if (load_.head_loaded) lines.push_back(tr(MsgId::vis_init_head_loaded, {init_}));
  }
  if (freeze_) lines.push_back(tr(MsgId::vis_frozen, {std::to_string(trainable_), std::to_string(total_), head_}));
  return lines;
}

}  // namespace hangu::cli

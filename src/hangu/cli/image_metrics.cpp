#include "hangu/cli/image_metrics.h"

#include <algorithm>

#include "hangu/cli/progress.h"
#include "hangu/core/autograd_meta.h"
#include "hangu/core/i18n.h"
#include "hangu/data/dataloader.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/ops/reduction.h"

namespace hangu::cli {

int64_t ClassifierEval::support(int64_t k) const {
  int64_t s = 0;
  for (int64_t p = 0; p < num_classes; ++p) s += count(k, p);
  return s;
}

int64_t ClassifierEval::predicted(int64_t k) const {
  int64_t s = 0;
  for (int64_t t = 0; t < num_classes; ++t) s += count(t, k);
  return s;
}

double ClassifierEval::precision(int64_t k) const {
  const int64_t p = predicted(k);
  return p ? static_cast<double>(count(k, k)) / static_cast<double>(p) : 0.0;
}

double ClassifierEval::recall(int64_t k) const {
  const int64_t s = support(k);
  return s ? static_cast<double>(count(k, k)) / static_cast<double>(s) : 0.0;
}

ClassifierEval evaluate_classifier(nn::Module& model, std::shared_ptr<const data::Dataset> dataset, int64_t num_classes,
                                   int64_t batch_size) {
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  ClassifierEval e;
  e.num_classes = num_classes;
  e.confusion.assign(static_cast<size_t>(num_classes * num_classes), 0);
  data::DataLoader loader(std::move(dataset), data::DataLoaderOptions{batch_size, false, 0, false, 0, 2});
  double loss_sum = 0.0;
  auto it = loader.epoch(0);
  while (auto b = it.next()) {
    Tensor logits = model(b->data);
    const int64_t n = b->target.numel();
    loss_sum += cross_entropy(logits, b->target, Tensor(), Reduction::sum).item<double>();
    std::vector<int64_t> pred = to_vector<int64_t>(argmax(logits, 1));
    std::vector<int64_t> truth = to_vector<int64_t>(b->target);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t t = truth[static_cast<size_t>(i)], p = pred[static_cast<size_t>(i)];
      ++e.confusion[static_cast<size_t>(t * num_classes + p)];
      e.correct += t == p;
    }
    e.total += n;
  }
  e.loss = e.total ? loss_sum / static_cast<double>(e.total) : 0.0;
  model.train(was_training);
  return e;
}

int64_t display_width(const std::string& s) {
  int64_t w = 0;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xf0) {
      len = 4, cp = c & 0x07;
    } else if (c >= 0xe0) {
      len = 3, cp = c & 0x0f;
    } else if (c >= 0xc0) {
      len = 2, cp = c & 0x1f;
    }
    for (size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += len;
    const bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                      (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<int64_t> width;
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], display_width(r[c]));
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      const std::string pad(static_cast<size_t>(width[c] - display_width(r[c])), ' ');
      if (c) line += "  ";
      line += c == 0 ? r[c] + pad : pad + r[c];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string per_class_table(const ClassifierEval& e, const std::vector<std::string>& classes) {
  std::vector<std::vector<std::string>> rows = {
      {tr(MsgId::img_col_class), tr(MsgId::img_col_precision), tr(MsgId::img_col_recall), tr(MsgId::img_col_images)}};
  for (int64_t k = 0; k < e.num_classes; ++k)
    rows.push_back({classes[static_cast<size_t>(k)], fixed(100.0 * e.precision(k), 1) + "%",
                    fixed(100.0 * e.recall(k), 1) + "%", std::to_string(e.support(k))});
  return format_table(rows);
}

std::string confusion_table(const ClassifierEval& e, const std::vector<std::string>& classes) {
  // Columns are numbered (names would make the table too wide); rows carry number and name.
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head = {""};
  for (int64_t k = 0; k < e.num_classes; ++k) head.push_back(std::to_string(k));
  rows.push_back(head);
  for (int64_t t = 0; t < e.num_classes; ++t) {
    std::vector<std::string> r = {std::to_string(t) + " " + classes[static_cast<size_t>(t)]};
    for (int64_t p = 0; p < e.num_classes; ++p) r.push_back(std::to_string(e.count(t, p)));
    rows.push_back(r);
  }
  return format_table(rows);
}

}  // namespace hangu::cli

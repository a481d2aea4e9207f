#pragma once
// Evaluation of an image classifier: accuracy, mean loss, the confusion matrix and per-class
// precision / recall; and the text tables that print them (aligned by display width, so that
// Chinese class names line up).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hangu/data/dataset.h"
#include "hangu/nn/module.h"

namespace hangu::cli {

struct ClassifierEval {
  int64_t num_classes = 0;
  int64_t correct = 0, total = 0;
  double loss = 0.0;               // mean cross-entropy
  std::vector<int64_t> confusion;  // [true][predicted], row-major, num_classes^2
  double accuracy() const { return total ? static_cast<double>(correct) / static_cast<double>(total) : 0.0; }
  int64_t count(int64_t truth, int64_t predicted) const {
    return confusion[static_cast<size_t>(truth * num_classes + predicted)];
  }
  int64_t support(int64_t k) const;    // images whose true class is k
  int64_t predicted(int64_t k) const;  // images predicted as k
  double precision(int64_t k) const;   // 0 when nothing was predicted as k
  double recall(int64_t k) const;      // 0 when class k has no images
};

// In dataset order, without gradients, in eval mode (restored afterwards).
ClassifierEval evaluate_classifier(nn::Module& model, std::shared_ptr<const data::Dataset> dataset, int64_t num_classes,
                                   int64_t batch_size = 256);

// Terminal columns of UTF-8 text: East Asian wide characters count 2.
int64_t display_width(const std::string& s);
// Rows of cells, each column padded to its widest cell; the first column left-aligned, the
// others right-aligned; columns separated by two spaces.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

// The per-class table (class, precision, recall, images) and the confusion matrix, as text.
std::string per_class_table(const ClassifierEval& e, const std::vector<std::string>& classes);
std::string confusion_table(const ClassifierEval& e, const std::vector<std::string>& classes);

}  // namespace hangu::cli

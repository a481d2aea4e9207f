#include "hangu/data/image_folder.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <system_error>

#include "hangu/core/error.h"
#include "hangu/core/rng.h"
#include "hangu/core/thread_pool.h"
#include "hangu/data/image/image_io.h"
#include "hangu/ops/creation.h"

namespace hangu::data {

namespace fs = std::filesystem;

namespace {

bool hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out.append(out.empty() ? "" : ", ").append(s);
  return out;
}

}  // namespace

bool has_image_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; });
  for (const char* e : {".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".pgm", ".pnm"})
    if (ext == e) return true;
  return false;
}

std::vector<std::string> list_image_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  // Symlinked subfolders are not followed (a link cycle would never end); linked files are read.
  auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) throw IoError(MsgId::io_open_failed, dir, ec.message());
  for (auto end = fs::recursive_directory_iterator(); it != end; it.increment(ec)) {
    if (ec) throw IoError(MsgId::io_read_failed, dir, ec.message());
    if (hidden(it->path())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec)) continue;
    const std::string p = it->path().string();
    if (has_image_extension(p) || sniff_image_file(p) != ImageFormat::unknown) out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Image load_preprocessed(const std::string& path, int64_t size) { return preprocess(read_image(path), size); }

ImageFolder::ImageFolder(const std::string& root, ImageFolderOptions options) : root_(root), o_(std::move(options)) {
  if (o_.image_size < 1 || o_.image_size > 4096)
    throw ValueError(MsgId::img_bad_arg, "ImageFolder", "image_size", o_.image_size, "1..4096");
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) throw IoError(MsgId::img_folder_missing, root_);
  std::vector<std::string> folders;
  for (auto it = fs::directory_iterator(root_, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (!hidden(it->path()) && it->is_directory(ec)) folders.push_back(it->path().filename().string());
  if (ec) throw IoError(MsgId::io_read_failed, root_, ec.message());
  std::sort(folders.begin(), folders.end());
  if (folders.empty()) throw ValueError(MsgId::img_folder_no_classes, root_);

  const bool fixed = !o_.classes.empty();
  std::map<std::string, int64_t> label_of;
  for (size_t i = 0; i < o_.classes.size(); ++i) label_of[o_.classes[i]] = static_cast<int64_t>(i);
  // Every candidate file with the folder it came from. With given classes, a folder outside
  // them is an error when it holds image files (an empty one is only listed).
  std::vector<std::string> files;
  std::vector<size_t> folder_of;
  for (size_t k = 0; k < folders.size(); ++k) {
    std::vector<std::string> found = list_image_files((fs::path(root_) / folders[k]).string());
    if (fixed && !label_of.count(folders[k])) {
      if (!found.empty()) throw ValueError(o_.unknown_class_msg, root_, folders[k], join(o_.classes));
      empty_classes_.push_back(folders[k]);
      continue;
    }
    for (std::string& p : found) {
      files.push_back(std::move(p));
      folder_of.push_back(k);
    }
  }

  // Decode each once (in parallel; each slot is written by one chunk only).
  const int64_t n = static_cast<int64_t>(files.size());
  const int64_t image_bytes = o_.image_size * o_.image_size * 3;
  const bool cache = n * image_bytes <= o_.cache_limit_bytes;  // n < 2^31, image_bytes < 2^26
  std::vector<Image> images(static_cast<size_t>(n));
  std::vector<std::optional<SkippedFile>> failed(static_cast<size_t>(n));
  parallel_for(0, n, 4, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const auto s = static_cast<size_t>(i);
      try {
        Image img = load_preprocessed(files[s], o_.image_size);
        if (cache) images[s] = std::move(img);
      } catch (const Error& e) {
        failed[s] = SkippedFile{files[s], e.id(), e.args()};
      }
    }
  });

  std::vector<int64_t> per_folder(folders.size(), 0);
  for (int64_t i = 0; i < n; ++i)
    if (!failed[static_cast<size_t>(i)]) ++per_folder[folder_of[static_cast<size_t>(i)]];
  // Labels: the given order, or the folders that hold images.
  std::vector<int64_t> label_of_folder(folders.size(), -1);
  if (fixed) {
    classes_ = o_.classes;
    for (size_t k = 0; k < folders.size(); ++k) {
      auto it = label_of.find(folders[k]);
      if (it == label_of.end()) continue;  // an empty unknown folder, listed above
      label_of_folder[k] = it->second;
      if (per_folder[k] == 0) empty_classes_.push_back(folders[k]);
    }
    std::sort(empty_classes_.begin(), empty_classes_.end());
  } else {
    for (size_t k = 0; k < folders.size(); ++k) {
      if (per_folder[k] == 0) {
        empty_classes_.push_back(folders[k]);
        continue;
      }
      label_of_folder[k] = static_cast<int64_t>(classes_.size());
      classes_.push_back(folders[k]);
    }
    if (static_cast<int64_t>(classes_.size()) < o_.min_classes)
      throw ValueError(MsgId::img_folder_few_classes, root_, static_cast<int64_t>(classes_.size()), join(classes_));
  }
  for (int64_t i = 0; i < n; ++i) {
    const auto s = static_cast<size_t>(i);
    if (failed[s]) {
      skipped_.push_back(std::move(*failed[s]));
      continue;
    }
    paths_.push_back(files[s]);
    labels_.push_back(label_of_folder[folder_of[s]]);
    if (cache) cache_.push_back(std::move(images[s]));
  }
}

Image ImageFolder::image(int64_t index) const {
  check_index(index, "ImageFolder");
  if (!cache_.empty()) return cache_[static_cast<size_t>(index)];
  return load_preprocessed(paths_[static_cast<size_t>(index)], o_.image_size);
}

int64_t ImageFolder::label(int64_t index) const {
  check_index(index, "ImageFolder");
  return labels_[static_cast<size_t>(index)];
}

const std::string& ImageFolder::path(int64_t index) const {
  check_index(index, "ImageFolder");
  return paths_[static_cast<size_t>(index)];
}

Example ImageFolder::get(int64_t index) const {
  return Example{to_normalized_tensor(image(index), o_.mean, o_.std), scalar_tensor(label(index), DType::i64)};
}

std::vector<int64_t> ImageFolder::class_counts() const {
  std::vector<int64_t> counts(classes_.size(), 0);
  for (int64_t l : labels_) ++counts[static_cast<size_t>(l)];
  return counts;
}

StratifiedSplit stratified_split(const std::vector<int64_t>& labels, int64_t num_classes, double val_fraction,
                                 uint64_t seed) {
  if (!(val_fraction >= 0.0 && val_fraction < 1.0))
    throw ValueError(MsgId::img_bad_arg, "stratified_split", "val_fraction", val_fraction, "0 <= f < 1");
  std::vector<std::vector<int64_t>> members(static_cast<size_t>(num_classes));
  for (size_t i = 0; i < labels.size(); ++i) {
    const int64_t l = labels[i];
    if (l < 0 || l >= num_classes) throw IndexError(MsgId::data_index_range, "stratified_split", l, num_classes);
    members[static_cast<size_t>(l)].push_back(static_cast<int64_t>(i));
  }
  StratifiedSplit out;
  for (int64_t c = 0; c < num_classes; ++c) {
    const std::vector<int64_t>& m = members[static_cast<size_t>(c)];
    const auto count = static_cast<int64_t>(m.size());
    int64_t n_val = 0;
    if (val_fraction > 0.0 && count >= 2)
      n_val = std::clamp<int64_t>(std::llround(static_cast<double>(count) * val_fraction), 1, count - 1);
    if (val_fraction > 0.0 && count > 0 && n_val == 0) out.train_only_classes.push_back(c);
    std::vector<int64_t> perm = random_permutation(count, seed, static_cast<uint64_t>(c) + 1);
    for (int64_t k = 0; k < count; ++k)
      (k < n_val ? out.val : out.train).push_back(m[static_cast<size_t>(perm[static_cast<size_t>(k)])]);
  }
  std::sort(out.train.begin(), out.train.end());
  std::sort(out.val.begin(), out.val.end());
  return out;
}

AugmentedSubset::AugmentedSubset(std::shared_ptr<const ImageFolder> folder, std::vector<int64_t> indices,
                                 AugmentOptions augment, uint64_t seed)
    : folder_(std::move(folder)), indices_(std::move(indices)), augment_(augment), seed_(seed) {
  for (int64_t i : indices_)
    if (i < 0 || i >= folder_->size()) throw IndexError(MsgId::data_index_range, "AugmentedSubset", i, folder_->size());
}

Example AugmentedSubset::get(int64_t index) const {
  check_index(index, "AugmentedSubset");
  const int64_t i = indices_[static_cast<size_t>(index)];
  Generator gen(splitmix64(
      seed_ ^ splitmix64(static_cast<uint64_t>(epoch_.load()) * 0x100000001B3ull + static_cast<uint64_t>(i))));
  Image img = augment(folder_->image(i), augment_, gen);
  const ImageFolderOptions& o = folder_->options();
  return Example{to_normalized_tensor(img, o.mean, o.std), scalar_tensor(folder_->label(i), DType::i64)};
}

}  // namespace hangu::data

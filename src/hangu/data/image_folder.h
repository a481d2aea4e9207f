#pragma once
// ImageFolder: one subfolder per class, like torchvision's ImageFolder. Class names are the
// folder names (any UTF-8), sorted by byte order (= code point order, as torchvision's sorted());
// files are found recursively and sorted the same way. A file is an image candidate when its
// extension says so (.jpg .jpeg .png .bmp .ppm .pgm .pnm, any case) or its first bytes do;
// other files (notes, .DS_Store) are ignored, and so are hidden files and folders. Every
// candidate is decoded once when the folder is opened: unreadable ones are skipped and listed
// (skipped()), class folders left without images are listed too (empty_classes()). Images are
// kept in memory at the model's input size (shorter side to `image_size`, centre crop) when
// they fit under cache_limit_bytes, otherwise decoded again on each access.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hangu/core/i18n.h"
#include "hangu/data/dataset.h"
#include "hangu/data/image/image.h"
#include "hangu/data/image/transforms.h"

namespace hangu::data {

struct SkippedFile {
  std::string path;
  MsgId reason;  // the error's message, to print in the user's language
  std::vector<std::string> args;
  std::string message() const { return format_message(reason, args, current_language()); }
};

struct ImageFolderOptions {
  int64_t image_size = 56;
  int64_t cache_limit_bytes = int64_t{1} << 30;
  Channels3 mean = kImageNetMean, std = kImageNetStd;
  // When given, these are the labels in order (a model's or the training folder's classes): a
  // class folder outside the list that holds image files is a ValueError (`unknown_class_msg`),
  // and classes without images keep their labels.
  std::vector<std::string> classes;
  MsgId unknown_class_msg = MsgId::img_folder_val_unknown_class;
  int64_t min_classes = 2;  // with images; only when `classes` is not given
};

class ImageFolder : public Dataset {
 public:
  // IoError when `root` is not a folder; ValueError when it has no class folders or too few
  // classes with images.
  ImageFolder(const std::string& root, ImageFolderOptions options);

  int64_t size() const override { return static_cast<int64_t>(paths_.size()); }
  // The normalised float32 [3, S, S] image and its int64 label (0-d).
  Example get(int64_t index) const override;
  // The preprocessed RGB image (S x S).
  Image image(int64_t index) const;
  int64_t label(int64_t index) const;
  const std::string& path(int64_t index) const;
  const std::string& root() const { return root_; }
  const std::vector<std::string>& classes() const { return classes_; }
  const std::vector<int64_t>& labels() const { return labels_; }
  std::vector<int64_t> class_counts() const;
  const std::vector<SkippedFile>& skipped() const { return skipped_; }
  const std::vector<std::string>& empty_classes() const { return empty_classes_; }
  int64_t candidates() const { return size() + static_cast<int64_t>(skipped_.size()); }
  bool cached() const { return !cache_.empty(); }
  const ImageFolderOptions& options() const { return o_; }

 private:
  std::string root_;
  ImageFolderOptions o_;
  std::vector<std::string> classes_;
  std::vector<std::string> paths_;
  std::vector<int64_t> labels_;
  std::vector<Image> cache_;  // empty when not caching
  std::vector<SkippedFile> skipped_;
  std::vector<std::string> empty_classes_;
};

// Loads and preprocesses one image file for a model of input `size`: decode (RGB), shorter side
// to size, centre crop.
Image load_preprocessed(const std::string& path, int64_t size);
// True for the image file extensions ImageFolder looks for (case-insensitive).
bool has_image_extension(const std::string& path);
// Regular, non-hidden files under `dir` (recursively) that are image candidates, sorted by byte
// order.
std::vector<std::string> list_image_files(const std::string& dir);

struct StratifiedSplit {
  std::vector<int64_t> train, val;          // dataset indices, ascending
  std::vector<int64_t> train_only_classes;  // classes with too few images to give any to val
};
// Per class: a permutation drawn from (seed, class) and round(n * val_fraction) images for
// validation, at least 1 and at most n - 1 when n >= 2 and val_fraction > 0.
StratifiedSplit stratified_split(const std::vector<int64_t>& labels, int64_t num_classes, double val_fraction,
                                 uint64_t seed);

// Images of an ImageFolder by index, with training augmentation drawn from (seed, epoch, index):
// the same epoch gives the same images on any thread and any worker count.
class AugmentedSubset : public Dataset {
 public:
  AugmentedSubset(std::shared_ptr<const ImageFolder> folder, std::vector<int64_t> indices, AugmentOptions augment,
                  uint64_t seed);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Example get(int64_t index) const override;
  // Call before each epoch (not while a DataLoader is iterating).
  void set_epoch(int64_t epoch) { epoch_.store(epoch); }

 private:
  std::shared_ptr<const ImageFolder> folder_;
  std::vector<int64_t> indices_;
  AugmentOptions augment_;
  uint64_t seed_;
  std::atomic<int64_t> epoch_{0};
};

}  // namespace hangu::data

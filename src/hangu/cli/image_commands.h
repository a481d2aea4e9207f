#pragma once
// The image-folder forms of `hangu train` and `hangu eval` (issue 7). train_cmd.cpp calls these
// first; they return nullopt when the data is MNIST (after refusing image-only options), so the
// MNIST commands go on unchanged.
#include <optional>
#include <string>

#include "hangu/cli/args.h"

namespace hangu::cli {

// True when DIR holds the MNIST training files (IDX, gzip or not): the content decides, not
// the folder's name.
bool is_mnist_folder(const std::string& dir);

// `train --data IMAGE_FOLDER` (image_train_cmd.cpp).
std::optional<int> maybe_run_train_images(const ParsedArgs& args);
// `eval --model MODEL_FOLDER --data IMAGE_FOLDER` (image_eval_cmd.cpp).
std::optional<int> maybe_run_eval_images(const ParsedArgs& args);

// Writes `bytes` to DIR/NAME atomically and returns the path.
std::string write_output_file(const std::string& dir, const std::string& name, const std::string& bytes);

}  // namespace hangu::cli

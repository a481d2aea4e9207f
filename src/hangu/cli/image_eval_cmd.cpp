// `hangu eval --model MODEL_FOLDER --data IMAGE_FOLDER`: accuracy, per-class precision and
// recall, and the confusion matrix as text and as images (SVG and PNG).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "hangu/cli/charts.h"
#include "hangu/cli/image_commands.h"
#include "hangu/cli/image_metrics.h"
#include "hangu/cli/image_model.h"
#include "hangu/cli/progress.h"
#include "hangu/cli/train_config.h"
#include "hangu/cli/trainer.h"
#include "hangu/core/error.h"
#include "hangu/data/image/image_io.h"
#include "hangu/data/image_folder.h"
#include "hangu/models/registry.h"

namespace hangu::cli {

namespace fs = std::filesystem;

namespace {

void print_line(std::FILE* to, const std::string& s) {
  std::fputs(s.c_str(), to);
  std::fputc('\n', to);
  std::fflush(to);
}

int run_eval_images(const ParsedArgs& args, const std::string& model_dir) {
  const std::string ctx = "eval";
  if (args.has("--weights")) throw ValueError(MsgId::img_eval_mnist_weights, ctx);
  auto data_dir = args.value("--data");
  if (!data_dir || data_dir->empty()) throw ValueError(MsgId::cli_option_required, ctx, "--data");
  int64_t batch = 64;
  if (auto b = args.value("--batch-size")) {
    batch = parse_int(*b, "--batch-size");
    if (batch < 1 || batch > 4096) throw ValueError(MsgId::cli_option_range, ctx, "--batch-size", *b, "1..4096");
  }
  const bool json = args.has("--json");
  const std::string out_dir = args.value("--out").value_or(model_dir);

  ImageModel m = load_image_model(model_dir);
  data::ImageFolderOptions fo;
  fo.image_size = m.info.image_size;
  fo.mean = m.info.mean;
  fo.std = m.info.std;
  fo.classes = m.info.classes;
  fo.unknown_class_msg = MsgId::img_eval_unknown_class;
  std::shared_ptr<data::ImageFolder> folder;
  as_bad_input([&] { folder = std::make_shared<data::ImageFolder>(*data_dir, fo); });
  for (const data::SkippedFile& s : folder->skipped()) print_line(stderr, tr(MsgId::img_warning_line, {s.message()}));
  if (!folder->skipped().empty())
    print_line(stderr, tr(MsgId::img_warning_line,
                          {tr(MsgId::img_folder_skipped_summary,
                              {std::to_string(folder->skipped().size()), std::to_string(folder->candidates())})}));
  if (folder->size() == 0) throw ValueError(MsgId::cli_data_empty, ctx, *data_dir);
  const auto k = static_cast<int64_t>(m.info.classes.size());
  ClassifierEval e = evaluate_classifier(*m.net, folder, k, batch);

  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw IoError(MsgId::io_write_failed, out_dir, "create_directories", ec.message());
  const std::string svg = write_output_file(out_dir, "confusion_matrix.svg", confusion_svg(e, m.info.classes));
  std::vector<uint8_t> png_bytes = data::encode_png(confusion_png(e));
  const std::string png =
      write_output_file(out_dir, "confusion_matrix.png", std::string(png_bytes.begin(), png_bytes.end()));

  if (!json) {
    print_line(stdout, tr(MsgId::img_eval_result, {fixed(100.0 * e.accuracy(), 2), std::to_string(e.correct),
                                                   std::to_string(e.total), *data_dir}));
    std::fputs(per_class_table(e, m.info.classes).c_str(), stdout);
    print_line(stdout, tr(MsgId::img_eval_confusion_title));
    std::fputs(confusion_table(e, m.info.classes).c_str(), stdout);
    print_line(stdout, tr(MsgId::img_eval_wrote, {svg, png}));
    return 0;
  }
  io::Json j = io::Json::object();
  j["model"] = model_dir;
  j["data"] = *data_dir;
  j["accuracy"] = e.accuracy();
  j["correct"] = e.correct;
  j["samples"] = e.total;
  j["loss"] = e.loss;
  io::Json classes = io::Json::array(), per_class = io::Json::array(), confusion = io::Json::array();
  for (int64_t c = 0; c < k; ++c) {
    const std::string& name = m.info.classes[static_cast<size_t>(c)];
    classes.push_back(name);
    io::Json pc = io::Json::object();
    pc["class"] = name;
    pc["precision"] = e.precision(c);
    pc["recall"] = e.recall(c);
    pc["images"] = e.support(c);
    per_class.push_back(std::move(pc));
    io::Json row = io::Json::array();
    for (int64_t p = 0; p < k; ++p) row.push_back(e.count(c, p));
    confusion.push_back(std::move(row));
  }
  j["classes"] = std::move(classes);
  j["per_class"] = std::move(per_class);
  j["confusion"] = std::move(confusion);
  io::Json skipped = io::Json::array();
  for (const data::SkippedFile& s : folder->skipped()) {
    io::Json o = io::Json::object();
    o["file"] = s.path;
    o["reason"] = s.message();
    skipped.push_back(std::move(o));
  }
  j["skipped_files"] = std::move(skipped);
  j["confusion_svg"] = svg;
  j["confusion_png"] = png;
  print_line(stdout, j.dump());
  return 0;
}

}  // namespace

std::optional<int> maybe_run_eval_images(const ParsedArgs& args) {
  auto model = args.value("--model");
  std::error_code ec;
  // A folder is an image model, unless it is also the name of an MNIST model and holds no model.json.
  if (model && fs::is_directory(*model, ec)) {
    const std::vector<std::string> mnist = models::model_names();
    if (is_image_model_dir(*model) || std::find(mnist.begin(), mnist.end(), *model) == mnist.end())
      return run_eval_images(args, *model);
  }
  if (args.has("--out"))
    throw ValueError(MsgId::img_option_images_only, "eval", "--out", args.value("--data").value_or(""));
  return std::nullopt;
}

}  // namespace hangu::cli

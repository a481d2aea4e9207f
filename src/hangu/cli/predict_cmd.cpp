// `hangu predict --model MODEL_FOLDER IMAGE_OR_FOLDER... [--top-k K] [--json]`: the most likely
// classes of each image, with probabilities. A file that cannot be read gets one warning line
// (or an "error" entry in JSON) and the others go on; the exit code is then 2.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "hangu/cli/commands.h"
#include "hangu/cli/image_model.h"
#include "hangu/cli/progress.h"
#include "hangu/core/error.h"
#include "hangu/data/image_folder.h"
#include "hangu/io/json.h"
#include "hangu/ops/creation.h"

namespace hangu::cli {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kBatch = 64;

void print_line(std::FILE* to, const std::string& s) {
  std::fputs(s.c_str(), to);
  std::fputc('\n', to);
  std::fflush(to);
}

struct Outcome {
  std::string file;
  std::vector<std::pair<int64_t, double>> top;  // (class, probability), best first
  std::string error;                            // set when the file could not be classified
};

}  // namespace

std::vector<OptionSpec> predict_options() { return {{"--model", true}, {"--top-k", true}, {"--json", false}}; }

int run_predict(const ParsedArgs& args) {
  const std::string ctx = "predict";
  auto model_dir = args.value("--model");
  if (!model_dir || model_dir->empty()) throw ValueError(MsgId::cli_option_required, ctx, "--model");
  if (args.positionals.empty()) throw ValueError(MsgId::img_predict_needs_input);
  int64_t top_k = 3;
  if (auto k = args.value("--top-k")) {
    top_k = parse_int(*k, "--top-k");
    if (top_k < 1 || top_k > 1000) throw ValueError(MsgId::cli_option_range, ctx, "--top-k", *k, "1..1000");
  }
  const bool json = args.has("--json");
  ImageModel m = load_image_model(*model_dir);
  const auto num_classes = static_cast<int64_t>(m.info.classes.size());
  top_k = std::min(top_k, num_classes);

  // Files in the order given; a folder contributes its images (recursively, sorted).
  std::vector<Outcome> outcomes;
  for (const std::string& p : args.positionals) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> files;
      try {
        files = data::list_image_files(p);
      } catch (const Error& e) {
        outcomes.push_back(Outcome{p, {}, e.what()});
        continue;
      }
      if (files.empty()) outcomes.push_back(Outcome{p, {}, tr(MsgId::img_predict_no_images, {p})});
      for (std::string& f : files) outcomes.push_back(Outcome{std::move(f), {}, ""});
    } else {
      outcomes.push_back(Outcome{p, {}, ""});
    }
  }

  int64_t failed = 0, done = 0;
  for (size_t start = 0; start < outcomes.size(); start += kBatch) {
    const size_t end = std::min(outcomes.size(), start + kBatch);
    std::vector<data::Image> images;
    std::vector<size_t> which;
    for (size_t i = start; i < end; ++i) {
      Outcome& o = outcomes[i];
      if (!o.error.empty()) continue;
      try {
        images.push_back(data::load_preprocessed(o.file, m.info.image_size));
        which.push_back(i);
      } catch (const Error& e) {
        o.error = e.what();
      }
    }
    if (!images.empty()) {
      std::vector<float> probs = to_vector<float>(classify(*m.net, m.info, images));
      for (size_t n = 0; n < which.size(); ++n) {
        const float* p = probs.data() + n * static_cast<size_t>(num_classes);
        std::vector<int64_t> order(static_cast<size_t>(num_classes));
        std::iota(order.begin(), order.end(), int64_t{0});
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return p[a] > p[b]; });
        for (int64_t k = 0; k < top_k; ++k)
          outcomes[which[n]].top.emplace_back(order[static_cast<size_t>(k)], p[order[static_cast<size_t>(k)]]);
      }
    }
    // Text results are printed as each batch finishes.
    for (size_t i = start; i < end; ++i) {
      const Outcome& o = outcomes[i];
      if (!o.error.empty()) {
        ++failed;
        if (!json) print_line(stderr, tr(MsgId::img_warning_line, {o.error}));
        continue;
      }
      ++done;
      if (json) continue;
      std::string items;
      for (const auto& [c, prob] : o.top)
        items.append(items.empty() ? "" : ", ")
            .append(tr(MsgId::img_predict_item, {m.info.classes[static_cast<size_t>(c)], fixed(100.0 * prob, 2)}));
      print_line(stdout, tr(MsgId::img_predict_line, {o.file, items}));
    }
  }

  if (json) {
    io::Json list = io::Json::array();
    for (const Outcome& o : outcomes) {
      io::Json j = io::Json::object();
      j["file"] = o.file;
      if (!o.error.empty()) {
        j["error"] = o.error;
      } else {
        io::Json top = io::Json::array();
        for (const auto& [c, prob] : o.top) {
          io::Json t = io::Json::object();
          t["class"] = m.info.classes[static_cast<size_t>(c)];
          t["probability"] = static_cast<double>(prob);
          top.push_back(std::move(t));
        }
        j["top"] = std::move(top);
      }
      list.push_back(std::move(j));
    }
    print_line(stdout, list.dump());
  } else if (failed) {
    print_line(stderr, tr(MsgId::img_predict_summary, {std::to_string(done), std::to_string(failed)}));
  }
  return failed ? 2 : 0;
}

}  // namespace hangu::cli

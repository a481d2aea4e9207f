// `hangu generate --model DIR (--prompt TEXT | --prompt-ids 1,2,3) --max-new-tokens N
// [--temperature T --top-k K --top-p P --repetition-penalty R --seed S] [--dtype f32|bf16] [--json]`:
// text from a
// Hugging Face model folder (config.json, safetensors, tokenizer.json). Tokens are printed as they
// come, then the rate on stderr; --json prints one object at the end instead. Greedy unless
// --temperature is above 0; generation stops at the config's eos_token_id.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "hangu/cli/commands.h"
#include "hangu/cli/train_config.h"
#include "hangu/core/error.h"
#include "hangu/core/i18n.h"
#include "hangu/io/json.h"
#include "hangu/models/causal_lm.h"
#include "hangu/models/generation.h"
#include "hangu/models/hf_checkpoint.h"
#include "hangu/text/bpe_tokenizer.h"

namespace hangu::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kCtx = "generate";

std::vector<int64_t> parse_ids(const std::string& text) {
  std::vector<int64_t> ids;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string part = text.substr(start, comma - start);
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos || part.size() > 18)
      throw ValueError(MsgId::gen_cli_bad_ids, text);
    ids.push_back(std::stoll(part));
    start = comma + 1;
  }
  return ids;
}

// eos_token_id of config.json: a number, a list of numbers, or absent.
std::vector<int64_t> eos_tokens(const std::string& dir) {
  const io::Json cfg = models::read_hf_config(dir);
  const io::Json* eos = cfg.find("eos_token_id");
  std::vector<int64_t> out;
  if (eos && eos->is_int()) out.push_back(eos->as_int());
  if (eos && eos->is_array())
    for (const io::Json& e : eos->as_array())
      if (e.is_int()) out.push_back(e.as_int());
  return out;
}

io::Json id_array(const std::vector<int64_t>& ids) {
  io::Json a = io::Json::array();
  for (int64_t id : ids) a.push_back(id);
  return a;
}

}  // namespace

std::vector<OptionSpec> generate_options() {
  return {{"--model", true},       {"--prompt", true}, {"--prompt-ids", true}, {"--max-new-tokens", true},
          {"--temperature", true}, {"--top-k", true},  {"--top-p", true},      {"--repetition-penalty", true},
          {"--seed", true},        {"--dtype", true},  {"--json", false}};
}

int run_generate(const ParsedArgs& args) {
  auto dir = args.value("--model");
  if (!dir || dir->empty()) throw ValueError(MsgId::cli_option_required, kCtx, "--model");
  models::GenerationConfig cfg;
  if (auto v = args.value("--max-new-tokens")) cfg.max_new_tokens = parse_int(*v, "--max-new-tokens");
  if (cfg.max_new_tokens < 0 || cfg.max_new_tokens > 1'000'000)
    throw ValueError(MsgId::cli_option_range, kCtx, "--max-new-tokens", cfg.max_new_tokens, "0..1000000");
  if (auto v = args.value("--temperature")) cfg.temperature = parse_double(*v, "--temperature");
  if (auto v = args.value("--top-k")) cfg.top_k = parse_int(*v, "--top-k");
  if (auto v = args.value("--top-p")) cfg.top_p = parse_double(*v, "--top-p");
  if (auto v = args.value("--repetition-penalty")) cfg.repetition_penalty = parse_double(*v, "--repetition-penalty");
  if (auto v = args.value("--seed")) {
    const int64_t s = parse_int(*v, "--seed");
    if (s < 0) throw ValueError(MsgId::cli_option_range, kCtx, "--seed", s, ">= 0");
    cfg.seed = static_cast<uint64_t>(s);
  }
  const bool json = args.has("--json");

  // The tokenizer is optional with --prompt-ids: the output is then ids only.
  const fs::path tok_path = fs::path(*dir) / "tokenizer.json";
  std::optional<text::BpeTokenizer> tok;
  std::error_code ec;
  if (fs::exists(tok_path, ec)) tok = text::BpeTokenizer::from_file(tok_path.string());
  std::vector<int64_t> prompt;
  if (auto ids = args.value("--prompt-ids")) {
    prompt = parse_ids(*ids);
  } else if (auto p = args.value("--prompt")) {
    if (!tok) throw ValueError(MsgId::gen_cli_no_tokenizer, *dir);
    prompt = tok->encode(*p);
  } else {
    throw ValueError(MsgId::gen_cli_need_prompt);
  }
  DType dtype = DType::f32;
  if (auto v = args.value("--dtype")) {
    if (*v == "bf16")
      dtype = DType::bf16;
    else if (*v != "f32")
      throw ValueError(MsgId::cli_option_range, kCtx, "--dtype", *v, "f32 or bf16");
  }
  auto model = models::load_causal_lm(*dir, dtype);
  cfg.stop_tokens = eos_tokens(*dir);

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<int64_t> out = models::generate(*model, prompt, cfg, [&](int64_t id) {
    if (json) return true;
    if (tok) {
      const std::string bytes = tok->token_bytes(id);
      std::fwrite(bytes.data(), 1, bytes.size(), stdout);
    } else {
      std::printf("%lld ", static_cast<long long>(id));
    }
    std::fflush(stdout);
    return true;
  });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double rate = secs > 0.0 ? static_cast<double>(out.size()) / secs : 0.0;
  if (json) {
    io::Json o = io::Json::object();
    o["prompt_ids"] = id_array(prompt);
    o["ids"] = id_array(out);
    o["text"] = tok ? tok->decode(out) : std::string();
    o["tokens_per_second"] = rate;
    std::printf("%s\n", o.dump().c_str());
  } else {
    std::printf("\n");
    std::fflush(stdout);
    char secs_text[32], rate_text[32];
    std::snprintf(secs_text, sizeof(secs_text), "%.3f", secs);
    std::snprintf(rate_text, sizeof(rate_text), "%.1f", rate);
    std::fprintf(stderr, "%s\n",
                 tr(MsgId::gen_cli_summary, {std::to_string(out.size()), secs_text, rate_text}).c_str());
  }
  return 0;
}

}  // namespace hangu::cli

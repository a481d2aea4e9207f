// Fuzz target: the JSON reader of file headers and checkpoints (io/json.h). An accepted document
// must dump to text that parses back to the same value.
#include <string_view>

#include "fuzz_entry.h"
#include "hangu/core/error.h"
#include "hangu/io/json.h"

HANGU_FUZZ_ENTRY(json) {
  using namespace hangu;
  try {
    io::Json j = io::Json::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
    std::string text = j.dump();
    HANGU_FUZZ_CHECK(io::Json::parse(text, "round trip") == j);
  } catch (const hangu::Error&) {
  }
  return 0;
}

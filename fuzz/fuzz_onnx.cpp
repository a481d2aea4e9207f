// Fuzz target: ONNX protobuf (io/onnx/model.h), read as a ModelProto and as a TensorProto. External
// data is refused (no base folder), so the bytes are all the input there is. An accepted model must
// survive a write and re-read, and writing it again must give the same bytes.
#include "fuzz_entry.h"
#include "hangu/core/error.h"
#include "hangu/io/onnx/model.h"

HANGU_FUZZ_ENTRY(onnx) {
  using namespace hangu::io;
  try {
    const onnx::Model m = onnx::read_model(data, size, "fuzz.onnx");
    const std::vector<uint8_t> bytes = onnx::write_model(m);
    const onnx::Model back = onnx::read_model(bytes.data(), bytes.size(), "round trip");
    HANGU_FUZZ_CHECK(back.graph.nodes.size() == m.graph.nodes.size());
    HANGU_FUZZ_CHECK(back.graph.initializers.size() == m.graph.initializers.size());
    HANGU_FUZZ_CHECK(onnx::write_model(back) == bytes);
  } catch (const hangu::Error&) {
  }
  try {
    const onnx::TensorValue t = onnx::read_tensor(data, size, "fuzz.pb");
    HANGU_FUZZ_CHECK(t.tensor.defined() || t.elem_type == onnx::ElemType::string || t.elem_type == onnx::ElemType::undefined);
  } catch (const hangu::Error&) {
  }
  return 0;
}

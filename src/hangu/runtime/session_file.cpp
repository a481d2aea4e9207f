// Session from a file, apart from session.cpp so that code building models in memory does not
// link the ONNX file reader.
#include "hangu/runtime/session.h"

namespace hangu::runtime {

Session::Session(const std::string& model_path, SessionOptions opts) { init(io::onnx::load_model(model_path), opts); }

}  // namespace hangu::runtime

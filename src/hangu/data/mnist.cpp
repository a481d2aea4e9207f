#include "hangu/data/mnist.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"

namespace hangu::data {

namespace {

constexpr uint32_t kImagesMagic = 2051, kLabelsMagic = 2049;
constexpr size_t kChunk = size_t{1} << 20;

// A gzip or plain file read through zlib (gzread passes plain files through).
class IdxFile {
 public:
  explicit IdxFile(std::string path) : path_(std::move(path)) {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) throw IoError(MsgId::io_open_failed, path_, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw IoError(MsgId::io_open_failed, path_, "not a regular file");
    file_size_ = static_cast<int64_t>(st.st_size);
    f_ = gzopen(path_.c_str(), "rb");
    if (!f_) throw IoError(MsgId::io_open_failed, path_, errno ? std::strerror(errno) : "out of memory");
    gzbuffer(f_, 1 << 16);
  }
  ~IdxFile() {
    if (f_) gzclose(f_);
  }
  IdxFile(const IdxFile&) = delete;
  IdxFile& operator=(const IdxFile&) = delete;

  // Reads up to n bytes; returns how many (fewer only at the end of the data).
  int64_t read(void* dst, int64_t n) {
    int64_t got = 0;
    auto* p = static_cast<char*>(dst);
    while (got < n) {
      unsigned want = static_cast<unsigned>(std::min<int64_t>(n - got, static_cast<int64_t>(kChunk)));
      int r = gzread(f_, p + got, want);
      if (r < 0) gzip_failed();
      if (r == 0) break;
      got += r;
    }
    if (got < n) {
      int err = Z_OK;
      gzerror(f_, &err);
      if (err != Z_OK && err != Z_STREAM_END) gzip_failed();
    }
    return got;
  }

  uint32_t be32(const unsigned char* b) const {
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
  }

  // The header: magic and `ndims` sizes, checked against the expected magic.
  std::vector<int64_t> header(uint32_t magic, int ndims, const char* what) {
    unsigned char h[16];
    int64_t need = 4 + 4 * ndims;
    int64_t got = read(h, need);
    if (got < need) throw FormatError(MsgId::idx_truncated, path_, std::string(what) + " header", need, got);
    uint32_t m = be32(h);
    if (m != magic)
      throw FormatError(MsgId::io_bad_field, path_, "magic number", static_cast<int64_t>(magic),
                        static_cast<int64_t>(m));
    std::vector<int64_t> dims;
    for (int i = 0; i < ndims; ++i) dims.push_back(be32(h + 4 + 4 * i));
    header_bytes_ = need;
    return dims;
  }

  // Reads exactly `payload` bytes after the header, then checks nothing follows. The buffer
  // grows with the data actually present, so a lying header cannot make us allocate much more.
  std::vector<uint8_t> payload(int64_t payload, const char* what) {
    if (payload > kIdxMaxBytes)
      throw FormatError(MsgId::io_bad_field, path_, std::string(what) + " size",
                        "at most " + std::to_string(kIdxMaxBytes) + " bytes", std::to_string(payload) + " bytes");
    if (gzdirect(f_) && header_bytes_ + payload > file_size_)
      throw FormatError(MsgId::idx_truncated, path_, what, payload, file_size_ - header_bytes_);
    std::vector<uint8_t> out;
    while (static_cast<int64_t>(out.size()) < payload) {
      int64_t want = std::min<int64_t>(payload - static_cast<int64_t>(out.size()), static_cast<int64_t>(kChunk));
      size_t at = out.size();
      out.resize(at + static_cast<size_t>(want));
      int64_t got = read(out.data() + at, want);
      if (got < want) throw FormatError(MsgId::idx_truncated, path_, what, payload, static_cast<int64_t>(at) + got);
    }
    unsigned char extra;
    if (read(&extra, 1) != 0) throw FormatError(MsgId::idx_trailing, path_, header_bytes_ + payload);
    return out;
  }

 private:
  [[noreturn]] void gzip_failed() {
    int err = Z_OK;
    const char* msg = gzerror(f_, &err);
    if (err == Z_ERRNO) throw IoError(MsgId::io_read_failed, path_, std::strerror(errno));
    throw FormatError(MsgId::idx_gzip_failed, path_, msg ? msg : "unknown error");
  }

  std::string path_;
  gzFile f_ = nullptr;
  int64_t file_size_ = 0;
  int64_t header_bytes_ = 0;
};

bool is_file(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string find_one(const std::string& dir, const std::vector<std::string>& prefixes, const std::string& kind,
                     const char* what) {
  std::string tried;
  for (const auto& pre : prefixes)
    for (const char* ext : {"", ".gz"}) {
      std::string name = pre + "-" + kind + ext;
      if (is_file(dir + "/" + name)) return dir + "/" + name;
      tried += (tried.empty() ? "" : ", ") + name;
    }
  throw IoError(MsgId::mnist_no_file, dir, what, tried);
}

}  // namespace

Tensor read_idx_images(const std::string& path) {
  IdxFile f(path);
  std::vector<int64_t> d = f.header(kImagesMagic, 3, "images");
  if (d[1] != kMnistSide) throw FormatError(MsgId::io_bad_field, path, "number of rows", kMnistSide, d[1]);
  if (d[2] != kMnistSide) throw FormatError(MsgId::io_bad_field, path, "number of columns", kMnistSide, d[2]);
  int64_t bytes = checked_mul(checked_mul(d[0], d[1], "IDX images"), d[2], "IDX images");
  std::vector<uint8_t> px = f.payload(bytes, "images");
  Tensor out = empty({d[0], d[1], d[2]}, DType::u8);
  if (bytes > 0) std::memcpy(out.data(), px.data(), static_cast<size_t>(bytes));
  return out;
}

Tensor read_idx_labels(const std::string& path, int64_t num_classes) {
  IdxFile f(path);
  std::vector<int64_t> d = f.header(kLabelsMagic, 1, "labels");
  std::vector<uint8_t> raw = f.payload(d[0], "labels");
  Tensor out = empty({d[0]}, DType::i64);
  int64_t* p = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < d[0]; ++i) {
    int64_t v = raw[static_cast<size_t>(i)];
    if (v >= num_classes) throw FormatError(MsgId::idx_label_range, path, v, i);
    p[i] = v;
  }
  return out;
}

MnistFiles find_mnist_files(const std::string& dir, bool train) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw IoError(MsgId::mnist_no_folder, dir);
  std::vector<std::string> prefixes =
      train ? std::vector<std::string>{"train"} : std::vector<std::string>{"t10k", "test"};
  return MnistFiles{find_one(dir, prefixes, "images-idx3-ubyte", train ? "training images" : "test images"),
                    find_one(dir, prefixes, "labels-idx1-ubyte", train ? "training labels" : "test labels")};
}

Tensor normalize_mnist(const Tensor& pixels) {
  if (pixels.dtype() != DType::u8) throw DTypeError(MsgId::dtype_not_supported, "normalize_mnist", pixels.dtype());
  if (pixels.dim() != 3)
    throw ShapeError(MsgId::train_bad_option, "normalize_mnist", "shape", pixels.shape(), "[N, H, W]");
  Tensor src = pixels.is_contiguous() ? pixels : Tensor();
  if (!src.defined()) throw ShapeError(MsgId::train_bad_option, "normalize_mnist", "layout", "strided", "contiguous");
  Tensor out = empty({pixels.size(0), 1, pixels.size(1), pixels.size(2)}, DType::f32);
  const uint8_t* s = src.data_ptr<uint8_t>();
  float* o = out.data_ptr<float>();
  for (int64_t i = 0, n = pixels.numel(); i < n; ++i)
    o[i] = (static_cast<float>(s[i]) / 255.0f - kMnistMean) / kMnistStd;
  return out;
}

MnistSplit load_mnist(const std::string& dir, bool train) {
  MnistFiles files = find_mnist_files(dir, train);
  Tensor images = read_idx_images(files.images);
  Tensor labels = read_idx_labels(files.labels);
  if (images.size(0) != labels.size(0))
    throw FormatError(MsgId::idx_count_mismatch, files.images, images.size(0), files.labels, labels.size(0));
  return MnistSplit{normalize_mnist(images), labels};
}

std::shared_ptr<TensorDataset> mnist_dataset(const std::string& dir, bool train) {
  MnistSplit s = load_mnist(dir, train);
  return std::make_shared<TensorDataset>(s.images, s.labels);
}

}  // namespace hangu::data

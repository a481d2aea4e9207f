// Datasets, DataLoader (order, determinism, workers, drop_last) and the MNIST/IDX reader on the
// bundled data/mnist-10k and on hostile files made here.
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>

#include "hangu/data/dataloader.h"
#include "hangu/data/mnist.h"
#include "hangu/data/random_shift.h"
#include "test_util.h"

using namespace hangu;
using namespace hangu::data;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<TensorDataset> numbers(int64_t n) {
  Tensor x = reshape(arange(0.0, static_cast<double>(3 * n)), {n, 3});
  Tensor y = arange(int64_t{0}, n);
  return std::make_shared<TensorDataset>(x, y);
}

std::vector<Batch> all_batches(const DataLoader& dl, int64_t epoch, int64_t start = 0) {
  std::vector<Batch> out;
  auto it = dl.epoch(epoch, start);
  while (auto b = it.next()) out.push_back(std::move(*b));
  return out;
}

void expect_same_batches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].indices, b[i].indices);
    EXPECT_TRUE(test_util::same_bits(a[i].data, b[i].data));
    EXPECT_TRUE(test_util::same_bits(a[i].target, b[i].target));
  }
}

// A dataset whose example `bad` throws.
class Faulty : public Dataset {
 public:
  explicit Faulty(int64_t bad) : bad_(bad) {}
  int64_t size() const override { return 20; }
  Example get(int64_t i) const override {
    if (i == bad_) throw ValueError(MsgId::arg_invalid, "Faulty", "index", i);
    return Example{full(IntList(Shape{2}), static_cast<double>(i)), Tensor()};
  }

 private:
  int64_t bad_;
};

}  // namespace

TEST(DataLoader, OrderBatchesAndDropLast) {
  auto ds = numbers(10);
  DataLoader dl(ds, DataLoaderOptions{.batch_size = 4});
  EXPECT_EQ(dl.num_batches(), 3);
  auto b = all_batches(dl, 0);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].data.shape(), (Shape{4, 3}));
  EXPECT_EQ(b[2].data.shape(), (Shape{2, 3}));
  EXPECT_EQ(to_vector<int64_t>(b[2].target), (std::vector<int64_t>{8, 9}));
  EXPECT_EQ(to_vector<float>(b[1].data)[0], 12.0f);
  DataLoader dl2(ds, DataLoaderOptions{.batch_size = 4, .drop_last = true});
  EXPECT_EQ(dl2.num_batches(), 2);
  EXPECT_EQ(all_batches(dl2, 0).size(), 2u);
  EXPECT_THROW(DataLoader(ds, DataLoaderOptions{.batch_size = 0}), ValueError);
}

TEST(DataLoader, ShuffleIsAPureFunctionOfSeedAndEpoch) {
  auto ds = numbers(50);
  DataLoader a(ds, DataLoaderOptions{.batch_size = 7, .shuffle = true, .seed = 5});
  DataLoader b(ds, DataLoaderOptions{.batch_size = 7, .shuffle = true, .seed = 5});
  DataLoader c(ds, DataLoaderOptions{.batch_size = 7, .shuffle = true, .seed = 6});
  EXPECT_EQ(a.order(3), b.order(3));
  EXPECT_NE(a.order(3), a.order(4));
  EXPECT_NE(a.order(3), c.order(3));
  auto o = a.order(3);
  EXPECT_EQ(std::set<int64_t>(o.begin(), o.end()).size(), 50u);
  std::vector<int64_t> sorted(50);
  std::iota(sorted.begin(), sorted.end(), 0);
  EXPECT_NE(o, sorted);
  expect_same_batches(all_batches(a, 2), all_batches(b, 2));
  // Batches follow the order.
  auto batches = all_batches(a, 3);
  EXPECT_EQ(batches[1].indices, std::vector<int64_t>(o.begin() + 7, o.begin() + 14));
  EXPECT_EQ(to_vector<int64_t>(batches[1].target), batches[1].indices);
}

TEST(DataLoader, WorkerCountDoesNotChangeBatches) {
  auto ds = numbers(103);
  std::vector<Batch> ref;
  for (int w : {0, 1, 2, 4}) {
    SCOPED_TRACE(w);
    DataLoader dl(
        ds, DataLoaderOptions{.batch_size = 8, .shuffle = true, .seed = 11, .num_workers = w, .prefetch_factor = 2});
    auto got = all_batches(dl, 1);
    EXPECT_EQ(got.size(), 13u);
    if (ref.empty())
      ref = got;
    else
      expect_same_batches(got, ref);
    // Resuming mid-epoch gives the tail.
    auto tail = all_batches(dl, 1, 9);
    expect_same_batches(tail, std::vector<Batch>(ref.begin() + 9, ref.end()));
  }
}

TEST(DataLoader, WorkerErrorsArriveInOrderAndEarlyExitJoins) {
  for (int w : {0, 3}) {
    DataLoader dl(std::make_shared<Faulty>(13), DataLoaderOptions{.batch_size = 4, .num_workers = w});
    auto it = dl.epoch(0);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(it.next().has_value());
    test_util::expect_error_mentions<ValueError>([&] { it.next(); }, {"Faulty", "13"});
    EXPECT_EQ(it.position(), 4);
    EXPECT_TRUE(it.next().has_value());
  }
  DataLoader dl(numbers(1000), DataLoaderOptions{.batch_size = 2, .num_workers = 4});
  auto it = dl.epoch(0);
  it.next();  // the iterator is destroyed with workers still busy: must not hang
}

TEST(DataLoader, CollateRejectsMismatchedExamples) {
  std::vector<Example> ex{{zeros({2, 3}), Tensor()}, {zeros({3, 2}), Tensor()}};
  test_util::expect_error_mentions<ShapeError>([&] { collate(ex); }, {"[3, 2]", "[2, 3]", "example 1"});
}

TEST(Dataset, RandomSplitAndSubset) {
  auto ds = numbers(30);
  auto parts = random_split(ds, {20, 7, 3}, 42);
  ASSERT_EQ(parts.size(), 3u);
  std::set<int64_t> seen;
  for (auto& p : parts)
    for (int64_t i : p->indices()) seen.insert(i);
  EXPECT_EQ(seen.size(), 30u);
  EXPECT_EQ(parts[1]->size(), 7);
  EXPECT_EQ(random_split(ds, {20, 7, 3}, 42)[0]->indices(), parts[0]->indices());
  EXPECT_NE(random_split(ds, {20, 7, 3}, 43)[0]->indices(), parts[0]->indices());
  int64_t first = parts[0]->indices()[0];
  EXPECT_EQ(parts[0]->get(0).target.item<int64_t>(), first);
  EXPECT_THROW(random_split(ds, {20, 7}, 42), ValueError);
  test_util::expect_error_mentions<IndexError>([&] { parts[2]->get(3); }, {"3", "size 3"});
  test_util::expect_error_mentions<ShapeError>([&] { TensorDataset(zeros({4, 2}), zeros({5})); }, {"[5]", "[4, 2]"});
}

// ---- MNIST ----

namespace {

const std::string kMnist = std::string(HANGU_SOURCE_DIR) + "/data/mnist-10k";

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("hangu_data_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string str(const std::string& f) const { return (path / f).string(); }
};

std::string be32(uint32_t v) {
  return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                     static_cast<char>(v)};
}

std::string images_bytes(uint32_t n, uint32_t magic = 2051, uint32_t rows = 28) {
  return be32(magic) + be32(n) + be32(rows) + be32(28) + std::string(static_cast<size_t>(n) * rows * 28, '\x10');
}

std::string labels_bytes(uint32_t n, uint8_t bad_at = 255, uint8_t bad = 11) {
  std::string s = be32(2049) + be32(n);
  for (uint32_t i = 0; i < n; ++i) s += static_cast<char>(i == bad_at ? bad : i % 10);
  return s;
}

void write_raw(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  gzclose(f);
}

}  // namespace

// RandomShift against a direct translation of each example; the shifts are a pure function of
// (seed, epoch, index), cover [-s, s] in both axes, and bad input gets a typed error.
TEST(RandomShift, TranslatesEachExampleByItsOwnOffset) {
  constexpr int64_t kN = 40, kC = 2, kH = 5, kW = 6, kS = 2;
  Tensor x = reshape(add(arange(0.0, static_cast<double>(kN * kC * kH * kW)), 1.0), {kN, kC, kH, kW});
  x = to(x, DType::f32);
  auto base = std::make_shared<TensorDataset>(x, arange(int64_t{0}, kN));
  RandomShift shift(base, kS, -7.5, 123);
  std::set<int64_t> seen_dy, seen_dx;
  for (int64_t epoch : {0, 1}) {
    shift.set_epoch(epoch);
    for (int64_t i = 0; i < kN; ++i) {
      const RandomShift::Offset o = shift.offset(epoch, i);
      ASSERT_LE(std::abs(o.dy), kS);
      ASSERT_LE(std::abs(o.dx), kS);
      seen_dy.insert(o.dy);
      seen_dx.insert(o.dx);
      Example e = shift.get(i);
      EXPECT_TRUE(test_util::same_bits(e.target, base->get(i).target));
      ASSERT_EQ(e.data.shape(), (Shape{kC, kH, kW}));
      const std::vector<float> got = to_vector<float>(e.data);
      const std::vector<float> src = to_vector<float>(base->get(i).data);
      for (int64_t c = 0; c < kC; ++c)
        for (int64_t y = 0; y < kH; ++y)
          for (int64_t xx = 0; xx < kW; ++xx) {
            const int64_t sy = y - o.dy, sx = xx - o.dx;
            const bool inside = sy >= 0 && sy < kH && sx >= 0 && sx < kW;
            const float want = inside ? src[static_cast<size_t>((c * kH + sy) * kW + sx)] : -7.5f;
            ASSERT_EQ(got[static_cast<size_t>((c * kH + y) * kW + xx)], want)
                << "epoch " << epoch << " example " << i << " offset " << o.dy << "," << o.dx;
          }
    }
  }
  EXPECT_EQ(seen_dy.size(), static_cast<size_t>(2 * kS + 1));  // every offset in [-s, s] occurs
  EXPECT_EQ(seen_dx.size(), static_cast<size_t>(2 * kS + 1));
  // A pure function of (seed, epoch, index): another object, another order, the same offsets.
  RandomShift again(base, kS, -7.5, 123), other_seed(base, kS, -7.5, 124);
  int64_t differ = 0;
  for (int64_t i = kN - 1; i >= 0; --i) {
    EXPECT_EQ(again.offset(1, i).dy, shift.offset(1, i).dy);
    EXPECT_EQ(again.offset(1, i).dx, shift.offset(1, i).dx);
    differ += again.offset(0, i).dy != again.offset(1, i).dy || again.offset(0, i).dx != again.offset(1, i).dx;
    differ += other_seed.offset(1, i).dy != shift.offset(1, i).dy;
  }
  EXPECT_GT(differ, kN / 2);
  // max_shift 0 leaves the examples as they are; bad arguments and examples are typed errors.
  RandomShift none(base, 0, 0.0, 1);
  EXPECT_TRUE(test_util::same_bits(none.get(3).data, base->get(3).data));
  EXPECT_THROW(RandomShift(base, -1, 0.0, 1), ValueError);
  auto flat = std::make_shared<TensorDataset>(reshape(to(arange(0.0, 12.0), DType::f32), {4, 3}), arange(int64_t{0}, 4));
  EXPECT_THROW(RandomShift(flat, 1, 0.0, 1).get(0), ValueError);
  auto ints = std::make_shared<TensorDataset>(reshape(arange(int64_t{0}, int64_t{48}), {4, 3, 4}), arange(int64_t{0}, 4));
  EXPECT_THROW(RandomShift(ints, 1, 0.0, 1).get(0), ValueError);
}

TEST(Mnist, ReadsBundledData) {
  MnistSplit train = load_mnist(kMnist, true), test = load_mnist(kMnist, false);
  EXPECT_EQ(train.images.shape(), (Shape{8000, 1, 28, 28}));
  EXPECT_EQ(test.images.shape(), (Shape{2000, 1, 28, 28}));
  EXPECT_EQ(train.images.dtype(), DType::f32);
  EXPECT_EQ(train.labels.dtype(), DType::i64);
  // Reference numbers from Python's gzip module and numpy float32 arithmetic.
  auto tl = to_vector<int64_t>(train.labels), sl = to_vector<int64_t>(test.labels);
  EXPECT_EQ(std::vector<int64_t>(tl.begin(), tl.begin() + 10), (std::vector<int64_t>{9, 7, 4, 8, 0, 9, 9, 5, 3, 9}));
  EXPECT_EQ(std::vector<int64_t>(sl.begin(), sl.begin() + 10), (std::vector<int64_t>{1, 3, 4, 6, 1, 4, 2, 0, 4, 1}));
  EXPECT_EQ(std::accumulate(tl.begin(), tl.end(), int64_t{0}), 35527);
  EXPECT_EQ(std::accumulate(sl.begin(), sl.end(), int64_t{0}), 8841);
  const float* px = train.images.data_ptr<float>();
  EXPECT_EQ(px[0], -0.4242129623889923f);
  EXPECT_EQ(px[10 * 28 + 10], 2.796030282974243f);
  const float* tp = test.images.data_ptr<float>();
  EXPECT_EQ(tp[14 * 28 + 14], 2.796030282974243f);
  EXPECT_EQ(tp[20 * 28 + 12], 0.32675284147262573f);
  double sum0 = 0;
  for (int i = 0; i < 784; ++i) sum0 += px[i];
  EXPECT_NEAR(sum0, -106.42769914632663, 1e-9);
  auto ds = mnist_dataset(kMnist, false);
  EXPECT_EQ(ds->size(), 2000);
  EXPECT_EQ(ds->get(1).target.item<int64_t>(), 3);
  EXPECT_EQ(ds->get(1).data.shape(), (Shape{1, 28, 28}));
}

TEST(Mnist, FindsRawAndT10kNames) {
  TempDir d("names");
  write_raw(d.str("train-images-idx3-ubyte"), images_bytes(3));
  write_gz(d.str("train-labels-idx1-ubyte.gz"), labels_bytes(3));
  write_raw(d.str("t10k-images-idx3-ubyte"), images_bytes(2));
  write_raw(d.str("t10k-labels-idx1-ubyte"), labels_bytes(2));
  MnistSplit tr = load_mnist(d.path.string(), true), te = load_mnist(d.path.string(), false);
  EXPECT_EQ(tr.images.size(0), 3);
  EXPECT_EQ(te.labels.size(0), 2);
  EXPECT_FLOAT_EQ(tr.images.data_ptr<float>()[5], (16.0f / 255.0f - 0.1307f) / 0.3081f);
}

TEST(Mnist, HostileFilesGiveTypedErrors) {
  TempDir d("hostile");
  const std::string img = d.str("train-images-idx3-ubyte"), lbl = d.str("train-labels-idx1-ubyte");
  using test_util::expect_error_mentions;
  // Wrong magic.
  write_raw(img, images_bytes(2, 2049));
  expect_error_mentions<FormatError>([&] { read_idx_images(img); }, {img, "magic", "2051", "2049"});
  // Wrong image size.
  write_raw(img, images_bytes(2, 2051, 27));
  expect_error_mentions<FormatError>([&] { read_idx_images(img); }, {img, "rows", "28", "27"});
  // Truncated, raw and gzip.
  std::string full = images_bytes(4);
  write_raw(img, full.substr(0, full.size() - 100));
  expect_error_mentions<FormatError>([&] { read_idx_images(img); }, {img, "images", "3136"});
  write_gz(img + ".gz", full.substr(0, full.size() - 100));
  expect_error_mentions<FormatError>([&] { read_idx_images(img + ".gz"); }, {img + ".gz", "3136", "3036"});
  write_raw(img, full.substr(0, 10));
  expect_error_mentions<FormatError>([&] { read_idx_images(img); }, {img, "header", "16"});
  // A header claiming far more data than present: rejected or truncated, never allocated.
  write_gz(img + ".gz", be32(2051) + be32(2000000) + be32(28) + be32(28) + std::string(1000, '\0'));
  expect_error_mentions<FormatError>([&] { read_idx_images(img + ".gz"); }, {img + ".gz", "1568000000"});
  write_raw(img, be32(2051) + be32(0xFFFFFFFFu) + be32(28) + be32(28));
  expect_error_mentions<FormatError>([&] { read_idx_images(img); }, {img, "size", "2147483648"});
  // Trailing bytes.
  write_raw(img, full + "x");
  expect_error_mentions<FormatError>([&] { read_idx_images(img); }, {img, "3152"});
  // Label out of range.
  write_gz(lbl + ".gz", labels_bytes(20, 17, 11));
  expect_error_mentions<FormatError>([&] { read_idx_labels(lbl + ".gz"); }, {lbl + ".gz", "11", "17", "0..9"});
  // Not gzip data behind a .gz name that still starts like gzip.
  write_raw(lbl + ".gz", std::string("\x1f\x8b\x08\x00garbagegarbage", 18));
  EXPECT_THROW(read_idx_labels(lbl + ".gz"), FormatError);
  fs::remove(lbl + ".gz");
  fs::remove(img + ".gz");
  // Count mismatch.
  write_raw(img, images_bytes(4));
  write_raw(lbl, labels_bytes(5));
  expect_error_mentions<FormatError>([&] { load_mnist(d.path.string(), true); }, {img, lbl, "4", "5"});
  // Missing test files, missing folder.
  expect_error_mentions<IoError>([&] { load_mnist(d.path.string(), false); },
                                 {"t10k-images-idx3-ubyte", "test-images-idx3-ubyte.gz"});
  expect_error_mentions<IoError>([&] { load_mnist(d.str("nope"), true); }, {"nope"});
  // Both languages.
  write_raw(lbl, labels_bytes(5, 2, 12));
  set_language(Lang::zh);
  std::string zh = test_util::error_text<FormatError>([&] { read_idx_labels(lbl); });
  set_language(Lang::en);
  EXPECT_NE(zh.find("标签"), std::string::npos) << zh;
  EXPECT_NE(zh.find("12"), std::string::npos) << zh;
}

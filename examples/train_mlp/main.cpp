// Trains the MLP on MNIST with Hangu's C++ API: data, model, optimizer, training loop, evaluation.
// Usage: example_train_mlp [DATA_DIR]   (default: data/mnist-10k)
#include <cstdio>
#include <string>

#include "hangu/hangu.h"

using namespace hangu;

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "data/mnist-10k";
  manual_seed(0);

  // 1. Data: MNIST as float32 images [1, 28, 28] and int64 labels, shuffled per epoch.
  auto train_set = data::mnist_dataset(dir, /*train=*/true);
  data::MnistSplit test = data::load_mnist(dir, /*train=*/false);
  data::DataLoaderOptions opts;
  opts.batch_size = 128;
  opts.shuffle = true;
  opts.seed = 0;
  data::DataLoader loader(train_set, opts);

  // 2. Model and optimizer: fc1 784->512, fc2 512->512, fc3 512->10, as in PyTorch.
  auto model = models::create("mlp");
  optim::AdamOptions adam;
  adam.lr = 1e-3;
  optim::Adam opt(model->parameters(), adam);

  // 3. Train: forward, loss, backward, step.
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    model->train();
    double loss_sum = 0;
    int64_t batches = 0;
    for (auto it = loader.epoch(epoch); auto batch = it.next();) {
      opt.zero_grad();
      Tensor loss = cross_entropy((*model)(batch->data), batch->target);
      loss.backward();
      opt.step();
      loss_sum += loss.item<double>();
      ++batches;
    }

    // 4. Evaluate on the test digits without recording gradients.
    NoGradGuard no_grad;
    model->eval();
    Tensor predicted = argmax((*model)(test.images), 1);
    double accuracy = mean(to(eq(predicted, test.labels), DType::f32)).item<double>();
    std::printf("epoch %lld  train loss %.4f  test accuracy %.2f%%\n", static_cast<long long>(epoch + 1),
                loss_sum / static_cast<double>(batches), 100 * accuracy);
  }
  nn::save_weights(*model, "mlp.safetensors");  // loads into PyTorch as it is
  return 0;
}

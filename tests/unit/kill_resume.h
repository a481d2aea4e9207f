#pragma once
// The kill test of crash-safe training (issue 8), shared by tests/unit/test_kill_resume.cpp (a few
// rounds in the suite) and tests/tools/kill_resume.cpp (scripts/kill_test.sh: 50 rounds).
//
// It trains once without interruption (the reference), then again in rounds: each round starts
// `hangu train` (resuming from the last checkpoint when there is one) and kills it with SIGKILL,
// alternately at a random moment after it has made progress, and in the middle of a save
// (HANGU_TEST_SLOW_SAVE_MS widens the window between a complete temporary file and its rename).
// After every kill it checks that:
//   - once a checkpoint was written, a loadable one exists (checksums verified), and its step
//     never goes back;
//   - the work lost is at most one checkpoint interval: the last step the killed process finished
//     (HANGU_TEST_STEP_LOG) minus the checkpoint's step is <= --checkpoint-every.
// When a run finishes by itself, its model.safetensors must equal the reference's byte for byte,
// and a new cycle starts in a fresh folder. At the end, the last cycle is resumed to completion
// and compared too.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hangu/data/mnist.h"
#include "hangu/io/checkpoint.h"
#include "hangu/io/json.h"

namespace hangu::kill_test {

struct Options {
  std::string hangu;  // the program
  std::string data;   // an MNIST folder
  std::string work;   // an empty folder for the runs
  std::string model = "mlp";
  int64_t epochs = 2;
  int64_t batch_size = 8;
  int64_t checkpoint_every = 8;
  int rounds = 4;              // kills
  int slow_save_ms = 40;       // HANGU_TEST_SLOW_SAVE_MS of the killed runs
  int max_random_delay_ms = 400;
  uint64_t seed = 1;  // of the kill moments
  std::FILE* log = nullptr;  // one line per round when set
};

struct Report {
  int kills = 0;
  int kills_in_save = 0;     // killed while a temporary file of a save existed
  int runs_finished = 0;     // runs that ended by themselves before the kill
  int cycles_compared = 0;   // complete trainings compared with the reference
  int64_t max_lost_steps = 0;
  std::vector<std::string> failures;  // empty when everything held
};

inline bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

inline std::string read_bytes(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// The last step number in a HANGU_TEST_STEP_LOG file (0 when empty or absent).
inline int64_t last_logged_step(const std::string& path) {
  std::ifstream f(path);
  int64_t v = 0, last = 0;
  while (f >> v) last = v;
  return last;
}

// Whether the folder holds a temporary file of a save by process `pid`.
inline bool has_temporary_of(const std::string& dir, pid_t pid) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return false;
  const std::string mark = ".tmp." + std::to_string(pid) + ".";
  bool found = false;
  while (const dirent* e = ::readdir(d))
    if (std::strstr(e->d_name, mark.c_str())) found = true;
  ::closedir(d);
  return found;
}

inline int count_temporaries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  int n = 0;
  while (const dirent* e = ::readdir(d))
    if (std::strstr(e->d_name, ".tmp.")) ++n;
  ::closedir(d);
  return n;
}

// Starts `hangu` with args, extra environment entries, stdout and stderr to `out_file`. Everything
// is prepared before fork(), so the child (of a possibly multi-threaded process) only calls dup2
// and execve.
inline pid_t spawn(const std::string& hangu, const std::vector<std::string>& args, const std::vector<std::string>& env,
                   const std::string& out_file) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "HANGU_NUM_THREADS=", 18) != 0) env_strings.emplace_back(*e);
  env_strings.insert(env_strings.end(), env.begin(), env.end());
  std::vector<char*> envp, argv;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> arg_strings = {hangu};
  arg_strings.insert(arg_strings.end(), args.begin(), args.end());
  for (std::string& a : arg_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  if (fd >= 0) ::close(fd);
  return pid;
}

// Runs to the end; returns the exit code (-1 when killed by a signal).
inline int run_to_end(const std::string& hangu, const std::vector<std::string>& args,
                      const std::vector<std::string>& env, const std::string& out_file) {
  pid_t pid = spawn(hangu, args, env, out_file);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Writes the first n_train / n_test examples of the MNIST folder `src` to `dst` as raw IDX files,
// so that a test trains and evaluates in moments.
inline void write_mnist_subset(const std::string& src, const std::string& dst, int64_t n_train, int64_t n_test) {
  std::filesystem::create_directories(dst);
  auto be32 = [](std::string& out, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((v >> s) & 0xff);
  };
  for (bool train : {true, false}) {
    data::MnistFiles f = data::find_mnist_files(src, train);
    const int64_t n = train ? n_train : n_test;
    const std::string prefix = dst + (train ? "/train-" : "/t10k-");
    Tensor images = data::read_idx_images(f.images);
    Tensor labels = data::read_idx_labels(f.labels);
    std::string img, lab;
    be32(img, 2051), be32(img, static_cast<uint32_t>(n)), be32(img, 28), be32(img, 28);
    img.append(static_cast<const char*>(images.data()), static_cast<size_t>(n * 28 * 28));
    be32(lab, 2049), be32(lab, static_cast<uint32_t>(n));
    const int64_t* l = labels.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) lab += static_cast<char>(l[i]);
    std::ofstream(prefix + "images-idx3-ubyte", std::ios::binary) << img;
    std::ofstream(prefix + "labels-idx1-ubyte", std::ios::binary) << lab;
  }
}

inline std::vector<std::string> train_args(const Options& o, const std::string& dir, bool resume) {
  std::vector<std::string> a = {"--threads", "1", "train", "--model", o.model, "--data", o.data,
                                "--epochs", std::to_string(o.epochs), "--batch-size", std::to_string(o.batch_size),
                                "--checkpoint-every", std::to_string(o.checkpoint_every), "--out", dir, "--json"};
  if (resume) {
    a.push_back("--resume");
    a.push_back(dir + "/checkpoint.safetensors");
  }
  return a;
}

// The checkpoint's global step; -1 with a failure recorded when it does not load.
inline int64_t checkpoint_step(const std::string& path, Report& r, const std::string& when) {
  try {
    io::Checkpoint c = io::load_checkpoint(path);
    io::Json meta = io::Json::parse(c.meta_json, path);
    return meta.find("position")->find("global_step")->as_int();
  } catch (const std::exception& e) {
    r.failures.push_back(when + ": the checkpoint does not load: " + e.what());
    return -1;
  }
}

inline Report run(const Options& o) {
  Report r;
  namespace fs = std::filesystem;
  std::mt19937_64 rng(o.seed);
  auto say = [&](const std::string& s) {
    if (o.log) std::fprintf(o.log, "%s\n", s.c_str()), std::fflush(o.log);
  };

  const std::string ref_dir = o.work + "/reference";
  fs::create_directories(ref_dir);
  int rc = run_to_end(o.hangu, train_args(o, ref_dir, false), {}, o.work + "/reference.log");
  if (rc != 0) {
    r.failures.push_back("the reference run failed (exit " + std::to_string(rc) + "): " +
                         read_bytes(o.work + "/reference.log"));
    return r;
  }
  const std::string reference = read_bytes(ref_dir + "/model.safetensors");
  say("reference: " + std::to_string(reference.size()) + " bytes of weights");

  int cycle = 0;
  std::string dir;
  int64_t last_ckpt = -1;  // step of the newest checkpoint of this cycle; -1: none yet
  auto new_cycle = [&] {
    dir = o.work + "/cycle" + std::to_string(cycle++);
    fs::create_directories(dir);
    last_ckpt = -1;
  };
  auto compare = [&](const std::string& when) {
    ++r.cycles_compared;
    if (read_bytes(dir + "/model.safetensors") != reference)
      r.failures.push_back(when + ": model.safetensors differs from the uninterrupted run");
    if (count_temporaries(dir) != 0) r.failures.push_back(when + ": temporary files were left in " + dir);
  };
  new_cycle();

  for (int round = 0; round < o.rounds;) {
    const bool in_save = round % 2 == 1;
    const std::string step_log = dir + "/steps." + std::to_string(round) + ".log";
    const bool resume = last_ckpt >= 0;
    const int64_t start_step = resume ? last_ckpt : 0;
    pid_t pid = spawn(o.hangu, train_args(o, dir, resume),
                      {"HANGU_TEST_STEP_LOG=" + step_log, "HANGU_TEST_SLOW_SAVE_MS=" + std::to_string(o.slow_save_ms)},
                      dir + "/run.log");
    // Wait for the moment: progress (a new step) and a random delay, or a save in flight.
    std::uniform_int_distribution<int> delay(0, in_save ? o.slow_save_ms : o.max_random_delay_ms);
    const int wait_ms = delay(rng);
    bool exited = false, saw_save = false;
    int status = 0;
    auto deadline = std::chrono::steady_clock::time_point::max();
    const auto started = std::chrono::steady_clock::now();
    bool stuck = false;
    while (true) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      const auto now = std::chrono::steady_clock::now();
      if (now - started > std::chrono::minutes(5)) {
        stuck = true;
        break;
      }
      if (deadline == std::chrono::steady_clock::time_point::max()) {
        bool ready = in_save ? has_temporary_of(dir, pid) : last_logged_step(step_log) > start_step;
        if (ready) deadline = now + std::chrono::milliseconds(wait_ms);
      } else if (now >= deadline) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    if (!exited) {
      saw_save = has_temporary_of(dir, pid);
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    const std::string when = "round " + std::to_string(round) + " (" + dir + ")";
    if (stuck) {
      r.failures.push_back(when + ": the run made no progress in 5 minutes");
      return r;
    }
    if (exited) {
      // The run finished before the moment came: it must have succeeded, with the reference's weights.
      ++r.runs_finished;
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        r.failures.push_back(when + ": the run failed: " + read_bytes(dir + "/run.log"));
        return r;
      }
      compare(when);
      say(when + ": finished by itself; weights compared");
      new_cycle();
      continue;
    }
    ++r.kills;
    if (saw_save) ++r.kills_in_save;
    const int64_t done = last_logged_step(step_log);
    const std::string ckpt = dir + "/checkpoint.safetensors";
    int64_t step = -1;
    if (exists(ckpt)) {
      step = checkpoint_step(ckpt, r, when);
    } else if (last_ckpt >= 0) {
      r.failures.push_back(when + ": the checkpoint disappeared");
    }
    if (step >= 0 && step < last_ckpt)
      r.failures.push_back(when + ": the checkpoint went back from step " + std::to_string(last_ckpt) + " to " +
                           std::to_string(step));
    const int64_t lost = done - std::max<int64_t>(step, 0);
    r.max_lost_steps = std::max(r.max_lost_steps, lost);
    if (lost > o.checkpoint_every)
      r.failures.push_back(when + ": " + std::to_string(lost) + " steps lost (finished step " + std::to_string(done) +
                           ", checkpoint at " + std::to_string(step) + "), more than one interval");
    if (exists(dir + "/model.safetensors")) {
      try {
        (void)io::load_safetensors(dir + "/model.safetensors");
      } catch (const std::exception& e) {
        r.failures.push_back(when + ": model.safetensors does not load: " + e.what());
      }
    }
    say(when + ": killed " + (saw_save ? "during a save" : "between saves") + " after step " + std::to_string(done) +
        "; checkpoint at step " + std::to_string(step));
    if (step >= 0) last_ckpt = step;
    ++round;
  }
  // Finish the last cycle without interruption.
  rc = run_to_end(o.hangu, train_args(o, dir, last_ckpt >= 0), {}, dir + "/run.log");
  if (rc != 0) {
    r.failures.push_back("the final resumed run failed (exit " + std::to_string(rc) + "): " + read_bytes(dir + "/run.log"));
    return r;
  }
  compare("final run (" + dir + ")");
  return r;
}

}  // namespace hangu::kill_test

// The kill test as a program (scripts/kill_test.sh): kill_resume HANGU DATA WORKDIR ROUNDS [SEED].
// Prints one line per round and a summary; exits 0 when every check held.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "../unit/kill_resume.h"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: kill_resume HANGU DATA WORKDIR ROUNDS [SEED]\n");
    return 2;
  }
  hangu::kill_test::Options o;
  o.hangu = argv[1];
  o.data = argv[2];
  o.work = argv[3];
  o.rounds = std::atoi(argv[4]);
  if (argc > 5) o.seed = std::strtoull(argv[5], nullptr, 10);
  o.epochs = 1;
  o.batch_size = 16;
  o.checkpoint_every = 10;
  o.max_random_delay_ms = 1500;
  o.log = stdout;
  hangu::kill_test::Report r = hangu::kill_test::run(o);
  std::printf("kills: %d (%d during a save), runs finished by themselves: %d, trainings compared: %d, "
              "most steps lost: %lld (interval %lld)\n",
              r.kills, r.kills_in_save, r.runs_finished, r.cycles_compared, static_cast<long long>(r.max_lost_steps),
              static_cast<long long>(o.checkpoint_every));
  for (const std::string& f : r.failures) std::printf("FAILED: %s\n", f.c_str());
  std::printf("%s\n", r.failures.empty() ? "kill test passed" : "kill test FAILED");
  return r.failures.empty() ? 0 : 1;
}

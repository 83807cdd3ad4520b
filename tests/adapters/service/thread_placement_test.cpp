#include "adapters/service/thread_placement.h"

#include <pthread.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace sigex {
namespace {

std::vector<int> usable_cpus() {
  const cpu_set_t allowed = current_thread_cpus();
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  return cpus;
}

cpu_set_t only(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return set;
}

TEST(ThreadPlacement, CpuListsReadLikeTheKernels) {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(cpu_list_text(set), "none");
  for (const int cpu : {0, 1, 3, 5, 6, 7}) CPU_SET(cpu, &set);
  EXPECT_EQ(cpu_list_text(set), "0-1,3,5-7");
}

TEST(ThreadPlacement, NothingConfiguredMovesNothing) {
  const cpu_set_t before = current_thread_cpus();
  ThreadPlacement placement;
  std::string error;
  ASSERT_TRUE(placement.prepare({}, error)) << error;
  EXPECT_FALSE(placement.pins_io());
  placement.enter_io();
  placement.enter_core();
  const cpu_set_t after = current_thread_cpus();
  EXPECT_TRUE(CPU_EQUAL(&before, &after));
}

TEST(ThreadPlacement, ACpuTheProcessMayNotUseIsRefusedNamingTheKeyAndTheCpusThereAre) {
  const cpu_set_t allowed = current_thread_cpus();
  ThreadPlacement placement;
  std::string error;
  EXPECT_FALSE(placement.prepare({.core_cpu = CPU_SETSIZE - 1}, error));
  EXPECT_EQ(error, "[service] core_cpu = " + std::to_string(CPU_SETSIZE - 1) +
                       ": this process may run on CPUs " + cpu_list_text(allowed) +
                       " only (the machine's, narrowed by CPUAffinity= or taskset)");
  EXPECT_FALSE(placement.prepare({.io_cpu = CPU_SETSIZE - 1}, error));
  EXPECT_TRUE(error.starts_with("[service] io_cpu = ")) << error;
}

// Run on a thread of its own, so that the test's main thread keeps its CPUs.
TEST(ThreadPlacement, ThreadsStartedOnTheIoCpusStayThereAndTheCoreGetsItsCpuAlone) {
  const std::vector<int> cpus = usable_cpus();
  if (cpus.size() < 2) GTEST_SKIP() << "needs two CPUs";
  std::thread([&] {
    ThreadPlacement placement;
    std::string error;
    ASSERT_TRUE(placement.prepare({.core_cpu = cpus[0]}, error)) << error;
    EXPECT_EQ(placement.describe(), "core thread on CPU " + std::to_string(cpus[0]) +
                                        ", I/O threads on CPU" + (cpus.size() > 2 ? "s " : " ") +
                                        cpu_list_text([&] {
                                          cpu_set_t rest = current_thread_cpus();
                                          CPU_CLR(cpus[0], &rest);
                                          return rest;
                                        }()));
    placement.enter_io();
    cpu_set_t started_early{};
    std::thread([&] { started_early = current_thread_cpus(); }).join();
    EXPECT_FALSE(CPU_ISSET(cpus[0], &started_early));
    EXPECT_TRUE(CPU_ISSET(cpus[1], &started_early));

    placement.enter_core();
    const cpu_set_t core = current_thread_cpus();
    const cpu_set_t expected = only(cpus[0]);
    EXPECT_TRUE(CPU_EQUAL(&core, &expected));
    cpu_set_t started_in_scope{};
    {
      const ThreadPlacement::IoScope io(placement);
      std::thread([&] { started_in_scope = current_thread_cpus(); }).join();
    }
    EXPECT_FALSE(CPU_ISSET(cpus[0], &started_in_scope));
    const cpu_set_t back = current_thread_cpus();
    EXPECT_TRUE(CPU_EQUAL(&back, &expected));
  }).join();
}

// A thread started before the placement was known (the logger's) is moved too.
TEST(ThreadPlacement, ThreadsThatAlreadyRunAreMovedToTheIoCpus) {
  const std::vector<int> cpus = usable_cpus();
  if (cpus.size() < 2) GTEST_SKIP() << "needs two CPUs";
  std::mutex mutex;
  std::condition_variable changed;
  bool asked = false;
  bool answered = false;
  cpu_set_t seen{};
  std::thread early([&] {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return asked; });
    seen = current_thread_cpus();
    answered = true;
    changed.notify_all();
  });
  const cpu_set_t before = current_thread_cpus();
  std::thread([&] {
    ThreadPlacement placement;
    std::string error;
    ASSERT_TRUE(placement.prepare({.io_cpu = cpus[1]}, error)) << error;
    placement.move_process_to_io();
  }).join();
  {
    std::unique_lock lock(mutex);
    asked = true;
    changed.notify_all();
    changed.wait(lock, [&] { return answered; });
  }
  early.join();
  const cpu_set_t expected = only(cpus[1]);
  EXPECT_TRUE(CPU_EQUAL(&seen, &expected));
  pthread_setaffinity_np(pthread_self(), sizeof before, &before);  // this test's own thread
}

TEST(ThreadPlacement, AnIoCpuOfItsOwnAndTheOnlyCpuForTheCore) {
  const std::vector<int> cpus = usable_cpus();
  if (cpus.size() < 2) GTEST_SKIP() << "needs two CPUs";
  ThreadPlacement placement;
  std::string error;
  ASSERT_TRUE(placement.prepare({.core_cpu = cpus[1], .io_cpu = cpus[0], .busy_poll = true}, error))
      << error;
  EXPECT_EQ(placement.describe(), "core thread on CPU " + std::to_string(cpus[1]) +
                                      ", I/O threads on CPU " + std::to_string(cpus[0]) +
                                      ", busy-polling");
  // Without core_cpu, io_cpu alone keeps the I/O threads off the other CPUs; the core thread
  // is left where the kernel puts it.
  ASSERT_TRUE(placement.prepare({.io_cpu = cpus[0]}, error)) << error;
  EXPECT_TRUE(placement.pins_io());
  EXPECT_FALSE(placement.pins_core());
}

}  // namespace
}  // namespace sigex

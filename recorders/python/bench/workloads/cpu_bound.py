"""CPU-bound workload: a particle simulation in pure Python, heavy on
method calls and attribute reads and writes (the worst case for a recorder
that records every call and every shared-state access)."""

import sys
import time


class Particle:
    def __init__(self, x, y, vx, vy):
        self.x = x
        self.y = y
        self.vx = vx
        self.vy = vy

    def step(self, dt):
        self.x += self.vx * dt
        self.y += self.vy * dt
        if self.x < 0 or self.x > 100:
            self.vx = -self.vx
        if self.y < 0 or self.y > 100:
            self.vy = -self.vy


def energy(particles):
    total = 0.0
    for particle in particles:
        total += particle.vx * particle.vx + particle.vy * particle.vy
    return total


def simulate(count, steps):
    particles = [Particle(i % 100, (i * 7) % 100, (i % 5) - 2, (i % 3) - 1) for i in range(count)]
    for _ in range(steps):
        for particle in particles:
            particle.step(0.1)
    return energy(particles)


if __name__ == "__main__":
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    started = time.perf_counter()
    print(simulate(100, steps))
    print(f"ELAPSED {time.perf_counter() - started:.6f}", file=sys.stderr)

// CPU-bound: a particle simulation where every step calls methods that
// update object fields (the worst case: every call and access recorded).
class Particle {
  constructor(x, y) {
    this.x = x;
    this.y = y;
    this.vx = 1;
    this.vy = -1;
  }

  step(dt) {
    this.x += this.vx * dt;
    this.y += this.vy * dt;
    if (this.x < 0 || this.x > 100) this.vx = -this.vx;
    if (this.y < 0 || this.y > 100) this.vy = -this.vy;
  }
}

function simulate(count, steps) {
  const particles = [];
  for (let i = 0; i < count; i += 1) particles.push(new Particle(i % 100, (i * 7) % 100));
  for (let s = 0; s < steps; s += 1) {
    for (const particle of particles) particle.step(0.5);
  }
  return particles.length;
}

const scale = Number(process.argv[2] || 1);
const started = process.hrtime.bigint();
simulate(100, 300 * scale);
const ns = Number(process.hrtime.bigint() - started);
console.log(JSON.stringify({ ns, scale }));

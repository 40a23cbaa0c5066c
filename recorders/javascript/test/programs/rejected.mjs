async function load() {
  await null;
  throw new Error('backend down');
}
load();

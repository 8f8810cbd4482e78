//! Household search over a generated school (~50,000 members).
use criterion::{criterion_group, criterion_main, Criterion};
use huka_core::{demo, household, Store};

fn search(c: &mut Criterion) {
    let mut store = Store::open_in_memory(&huka_core::SCHEMA).unwrap();
    let stats = demo::generate(&mut store, &demo::DemoOptions { students: 21_000, seed: 7 }).unwrap();
    eprintln!("generated: {stats:?}");
    let mut group = c.benchmark_group("household_search");
    for q in ["王", "小明", "仁河村", "0305", "张 紫荆"] {
        group.bench_function(q, |b| b.iter(|| household::list(&store, q, 200).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);

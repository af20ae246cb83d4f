# The two README commands: `make demo` (the main job) and `make test` (the whole suite).
# Both bootstrap .venv on first use; nothing else needs to be set up but Python 3.12 (or 3.11).

PYTHON ?= $(shell command -v python3.12 || command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-3.11 lint typecheck pytest docs clean bench-status bench-provenance regression

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -c "from medroute.engines.alns import warm_up; warm_up()"  # compile the alns core once (numba caches it)
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/medroute demo --out out

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks examples

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -q

test: lint typecheck pytest

docs: $(STAMP)
	$(PY) -m medroute.schema docs/schema >/dev/null
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

# The suite again on Python 3.11 (CI runs it): every extra installs there but the OSRM bindings,
# which have no 3.11 wheels, so their tests skip and the rest must pass.
PYTHON311 ?= $(shell command -v python3.11)
VENV311 := .venv-3.11

$(VENV311)/.installed: pyproject.toml
	@test -n "$(PYTHON311)" || { echo "python3.11 not found: install it (Debian: apt-get install python3.11-venv) or set PYTHON311=/path/to/python3.11"; exit 2; }
	$(PYTHON311) -m venv $(VENV311)
	$(VENV311)/bin/python -m pip install --quiet --upgrade pip
	$(VENV311)/bin/python -m pip install --quiet -e '.[dev]'
	$(VENV311)/bin/python -c "from medroute.engines.alns import warm_up; warm_up()"
	touch $@

test-3.11: $(VENV311)/.installed
	$(VENV311)/bin/python -m pytest -n 2 --dist loadfile -q -p no:cacheprovider

clean:
	rm -rf $(VENV) $(VENV311) out site .pytest_cache .mypy_cache .ruff_cache

# Benchmark studies: each target regenerates benchmarks/results/<study>/ whole (tables, figures and
# the meta.json that records command, commit, versions and machine; benchmarks/README.md).
# On a busy machine put a wrapper in front, e.g.: make bench-scale BENCH="nice -n 5"
BENCH ?=
R := benchmarks/results
RUN = MEDROUTE_BENCH_TARGET=$@ $(BENCH) $(PY)
STUDIES := banyuwangi banyuwangi-work cold-heavy scale scale-work scale-big literature-10s literature-30s \
	literature-30s-subset literature-spread companion route-elimination reproducible time-limit work-rates engine-speed alns-speed ortools-counter travel matrix-memory \
	demand explain-speed regression dispatch simulate simulate-cold simulate-unseen soak fuzz
.PHONY: $(addprefix bench-,$(STUDIES))

bench-status: $(STAMP)  ## list the studies and the results that have no meta.json
	$(PY) -m medroute.bench.results $(R)

bench-provenance: $(STAMP)  ## check that README's headline and every RESULTS.md cite studies with a recorded run
	$(PY) -m medroute.bench.provenance benchmarks/README.md --results $(R)

bench-banyuwangi: $(STAMP)  ## the suite: every engine on historic, expanded, surge, expanded-cold, puskesmas (~20 min)
	rm -rf $(R)/banyuwangi
	MEDROUTE_BENCH_TARGET=$@ $(BENCH) $(VENV)/bin/medroute bench --suite banyuwangi --out $(R)/banyuwangi

bench-banyuwangi-work: $(STAMP)  ## the same suite in reproducible mode: stop=MaxWork(budget) for every solve
	rm -rf $(R)/banyuwangi-work
	MEDROUTE_BENCH_TARGET=$@ $(BENCH) $(VENV)/bin/medroute bench --suite banyuwangi --work --out $(R)/banyuwangi-work

bench-cold-heavy: $(STAMP)  ## the cold-heavy day alone, every engine at 10 and 30 s (~8 min)
	rm -rf $(R)/cold_heavy
	$(RUN) benchmarks/cold_heavy.py --output $(R)/cold_heavy

bench-scale: $(STAMP)  ## auto from 20 to 2,000 orders on the clock (~9 min)
	rm -rf $(R)/scale
	$(RUN) benchmarks/scale.py --output $(R)/scale

bench-scale-work: $(STAMP)  ## the same curve in reproducible mode (MaxWork)
	rm -rf $(R)/scale-work
	$(RUN) benchmarks/scale.py --work --output $(R)/scale-work

bench-scale-big: $(STAMP)  ## big days, 1,000-10,000 orders, each point its own process (hours; both cores)
	rm -rf $(R)/scale-big
	for sc in surabaya probolinggo puskesmas; do $(RUN) benchmarks/scale.py --big --scenario $$sc || exit 1; done

# Li & Lim and Solomon (auto against PyVRP alone, OR-Tools and greedy) and Cordeau's DARP (auto
# against OR-Tools and alns alone) at $(1) seconds per run.
define literature
	rm -rf $(R)/literature-$(1)s
	for set in lilim solomon; do \
	  $(RUN) benchmarks/literature.py --set $$set --engines auto,pyvrp,ortools,greedy --time-limit $(1) \
	    --versus auto:pyvrp --out $(R)/literature-$(1)s/$$set || exit 1; done
	$(RUN) benchmarks/literature.py --set darp --engines auto,ortools,alns --time-limit $(1) --versus auto:ortools \
	  --out $(R)/literature-$(1)s/darp
endef

bench-literature-10s: $(STAMP)  ## the literature at 10 s per run (~1.5 h)
	$(call literature,10)

bench-literature-30s: $(STAMP)  ## the literature at 30 s per run (~4 h)
	$(call literature,30)

bench-reproducible: $(STAMP)  ## same plans serial, on a pool, on Dask and under load (MaxWork)
	rm -rf $(R)/reproducible
	$(RUN) benchmarks/reproducible.py --units 0.5 --engines auto ortools --out $(R)/reproducible/reproducible.md

bench-time-limit: $(STAMP)  ## every engine's whole solve() at 2,000 orders against 1.05 x limit + 1 s
	rm -rf $(R)/time_limit
	$(RUN) benchmarks/time_limit.py --out $(R)/time_limit

bench-work-rates: $(STAMP)  ## rewrite src/medroute/engines/work_rates.json (what a MaxWork unit is)
	$(RUN) benchmarks/engine_speed.py --write-rates --sizes 20 50 100 200 500 1000 --seconds 3

bench-engine-speed: $(STAMP)  ## engines' measured speeds against the work rates, 3 s per engine and instance (~12 min)
	rm -f $(R)/engine_speed/engine_speed.md
	$(RUN) benchmarks/engine_speed.py --seconds 3

bench-alns-speed: $(STAMP)  ## alns iterations and moves per second beside OR-Tools' steps
	rm -rf $(R)/alns_speed
	$(RUN) benchmarks/alns_speed.py --out $(R)/alns_speed/alns_speed.md

bench-ortools-counter: $(STAMP)  ## what counting OR-Tools' steps costs (~8 min)
	rm -rf $(R)/ortools_counter
	$(RUN) benchmarks/ortools_counter.py

bench-travel: $(STAMP)  ## matrix time and memory: osm, osrm, networkx; OSRM builds; agreement (~3 min)
	rm -rf $(R)/travel
	$(RUN) benchmarks/travel.py

bench-matrix-memory: $(STAMP)  ## peak memory per travel-matrix cell: haversine, osm, osrm (~2 min, memory not time)
	rm -rf $(R)/matrix_memory
	$(RUN) benchmarks/matrix_memory.py

bench-explain-speed: $(STAMP)  ## left-out orders explained: the screen against timing each insertion (~5 min)
	rm -rf $(R)/explain_speed
	$(RUN) benchmarks/explain_speed.py

bench-demand: $(STAMP)  ## orders per village and kecamatan against population (~30 s, no solving)
	rm -rf $(R)/demand
	$(RUN) benchmarks/demand.py

bench-regression: $(STAMP)  ## rewrite the CI regression slice's committed figures (~3 min)
	rm -rf $(R)/regression
	$(RUN) benchmarks/regression.py --write

regression: $(STAMP)  ## the CI regression slice against its committed figures (exit 1 on a drop)
	$(PY) benchmarks/regression.py

bench-dispatch: $(STAMP)  ## replan latency; a live half-minute against a 30-s re-solve (~15 min)
	$(RUN) benchmarks/dispatch.py

bench-literature-spread: $(STAMP)  ## Solomon and Li & Lim at 10 s on seed 1 beside the seed-0 tables, compared across seeds (~40 min)
	rm -rf $(R)/literature-10s/spread/solomon-seed1 $(R)/literature-10s/spread/lilim-seed1-full
	$(RUN) benchmarks/literature.py --set solomon --engines auto,pyvrp --time-limit 10 --versus auto:pyvrp --seed 1 \
	  --out $(R)/literature-10s/spread/solomon-seed1
	$(RUN) benchmarks/literature_seeds.py $(R)/literature-10s/solomon/solomon.json \
	  $(R)/literature-10s/spread/solomon-seed1/solomon.json --versus auto:pyvrp \
	  --out $(R)/literature-10s/spread/solomon-seed1/seeds.md
	$(RUN) benchmarks/literature.py --set lilim --engines auto,pyvrp --time-limit 10 --versus auto:pyvrp --seed 1 \
	  --out $(R)/literature-10s/spread/lilim-seed1-full
	$(RUN) benchmarks/literature_seeds.py $(R)/literature-10s/lilim/lilim.json \
	  $(R)/literature-10s/spread/lilim-seed1-full/lilim.json --versus auto:pyvrp \
	  --out $(R)/literature-10s/spread/lilim-seed1-full/seeds.md

bench-companion: $(STAMP)  ## auto's companion: its iterations against PyVRP alone (Solomon, 10 and 30 s) and auto with it, with the OR-Tools companion and without one on Banyuwangi days (~20 min)
	rm -rf $(R)/companion
	for t in 10 30; do $(RUN) benchmarks/companion_iterations.py --set solomon --instances R107,RC106,RC207 \
	  --time-limit $$t --out $(R)/companion/solomon-$${t}s.md || exit 1; done
	$(RUN) benchmarks/companion_ab.py --sizes 50 100 200 --seeds 0 1 2 --out $(R)/companion/expanded-ab.md
	for t in 10 30; do $(RUN) benchmarks/companion_ab.py --cold --sizes 200 --seeds 0 1 2 --budget $$t \
	  --out $(R)/companion/cold-ab-$${t}s.md || exit 1; done
	$(RUN) benchmarks/companion_ab.py --scenario puskesmas --sizes 300 --seeds 0 1 --budget 15 \
	  --out $(R)/companion/puskesmas-ab.md
	$(RUN) benchmarks/companion_ab.py --sizes 400 --seeds 7 --budget 20 --out $(R)/companion/unseen-expanded-400.md
	$(RUN) benchmarks/companion_ab.py --cold --sizes 200 --seeds 9 11 --budget 10 --out $(R)/companion/unseen-cold.md

bench-route-elimination: $(STAMP)  ## route elimination with and without Luby restarts from the table's plan (Solomon, 6 s, 8 seeds; then instances the unit was not chosen on; ~20 min)
	rm -rf $(R)/route_elimination
	$(RUN) benchmarks/route_elimination.py --instances RC101,RC102,RC105,R103,R104 --out $(R)/route_elimination/solomon.md
	$(RUN) benchmarks/route_elimination.py --instances R105,R109,R110,RC103,RC106,RC107 --seeds 3 \
	  --out $(R)/route_elimination/solomon-unseen.md
	$(RUN) benchmarks/route_elimination.py --set lilim --instances lc103,lrc202,lr211 --seeds 3 \
	  --out $(R)/route_elimination/lilim-unseen.md

bench-literature-30s-subset: $(STAMP)  ## DARP's 6 largest a/b instances at 30 s, auto against OR-Tools (~6 min)
	rm -rf $(R)/literature-30s-subset
	$(RUN) benchmarks/literature.py --set darp --engines auto,ortools --time-limit 30 --instances '[ab][78]-[68][04]' \
	  --versus auto:ortools --out $(R)/literature-30s-subset/darp

# One folder per scenario, one run per noise level (days-sigma<σ>.{md,csv,png}).
SIMULATE_DAYS := expanded:0-9 surge:0-2

bench-simulate: $(STAMP)  ## simulated live days over seeds and noise levels: the dispatcher against greedy (~2 h)
	rm -rf $(R)/simulate
	for days in $(SIMULATE_DAYS); do for sigma in 0.15 0.3; do \
	  $(RUN) benchmarks/simulate.py --days $$days --noise $$sigma --out $(R)/simulate/$${days%%:*} || exit 1; done; done
	$(RUN) benchmarks/simulate.py --days puskesmas:0 --noise 0.15 --out $(R)/simulate/puskesmas

bench-simulate-cold: $(STAMP)  ## the two days that broke the cold chain (expanded 7 and 9) at σ 0.15 and 0.3 (both cores)
	rm -rf $(R)/simulate-cold
	$(RUN) benchmarks/simulate.py --days expanded:7 --days expanded:9 --noise 0.15 --noise 0.3 --jobs 2 \
	  --out $(R)/simulate-cold

bench-simulate-unseen: $(STAMP)  ## two days no test or earlier run used (surge 5, expanded 17) at σ 0.15 (both cores)
	rm -rf $(R)/simulate-unseen
	$(RUN) benchmarks/simulate.py --days surge:5 --days expanded:17 --noise 0.15 --jobs 2 --out $(R)/simulate-unseen

bench-soak: $(STAMP)  ## simulated days through the live dispatcher (6 h)
	$(RUN) benchmarks/soak.py

bench-fuzz: $(STAMP)  ## the fuzz campaign
	rm -rf $(R)/fuzz
	$(RUN) -m benchmarks.fuzz --out $(R)/fuzz

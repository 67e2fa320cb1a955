# Thin aliases: ./dev does the work so that a machine without make runs the same steps.
.PHONY: run test lint bench venv
run:
	./dev run
test:
	./dev test
lint:
	./dev lint
bench:
	./dev bench
venv:
	./dev venv

# spelunk in a container: `docker build -t spelunk .`, then e.g.
#   docker run --rm -v "$PWD:/data" spelunk run -f detection.yml -e events.json -o table
# The bundled macros/, lookups/ and props/ are compiled into the binary
# (include_str! and build.rs), so the runtime image needs only the binary.

FROM rust:1-bookworm AS build
WORKDIR /src
# The whole source: Cargo.toml declares tests and benches whose files must
# exist for cargo to read the manifest; .dockerignore leaves out target/.
COPY . .
# Stripped: the line tables are for local debugging; the image stays small.
RUN cargo build --release --locked --bin spelunk \
    && strip target/release/spelunk

FROM debian:bookworm-slim
COPY --from=build /src/target/release/spelunk /usr/local/bin/spelunk
# Not root: spelunk only reads the files it is given (and writes
# --output-lookups/--junit where asked, which must then be writable).
USER 65534:65534
WORKDIR /data
ENTRYPOINT ["spelunk"]
CMD ["--help"]

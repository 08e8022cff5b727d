fn main() {
    println!("hostile-app: an ordinary program, built by an unordinary build script");
}

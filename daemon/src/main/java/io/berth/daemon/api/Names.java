package io.berth.daemon.api;

import java.security.SecureRandom;
import java.util.List;
import java.util.function.Predicate;

/** Docker-style generated container names: adjective_surname, with a number when taken. */
final class Names {

    private static final List<String> ADJECTIVES = List.of("admiring", "agitated", "amazing", "angry", "awesome",
            "blissful", "bold", "boring", "brave", "busy", "charming", "clever", "compassionate", "competent",
            "confident", "cool", "dazzling", "determined", "dreamy", "eager", "ecstatic", "elastic", "elated",
            "elegant", "epic", "exciting", "fervent", "festive", "flamboyant", "focused", "friendly", "frosty",
            "funny", "gallant", "gifted", "goofy", "gracious", "great", "happy", "hardcore", "heuristic",
            "hopeful", "hungry", "infallible", "inspiring", "intelligent", "interesting", "jolly", "jovial",
            "keen", "kind", "laughing", "loving", "lucid", "magical", "modest", "musing", "mystifying", "naughty",
            "nervous", "nice", "nifty", "nostalgic", "objective", "optimistic", "peaceful", "pensive", "practical",
            "priceless", "quirky", "quizzical", "relaxed", "reverent", "romantic", "sad", "serene", "sharp",
            "silly", "sleepy", "stoic", "strange", "stupefied", "suspicious", "sweet", "tender", "thirsty",
            "trusting", "unruffled", "upbeat", "vibrant", "vigilant", "vigorous", "wizardly", "wonderful",
            "xenodochial", "youthful", "zealous", "zen");
    private static final List<String> SURNAMES = List.of("agnesi", "albattani", "allen", "archimedes", "babbage",
            "banach", "bardeen", "bartik", "bell", "blackwell", "bohr", "booth", "borg", "bose", "brahmagupta",
            "brattain", "brown", "carson", "cerf", "chandrasekhar", "clarke", "curie", "darwin", "davinci",
            "dijkstra", "einstein", "elion", "engelbart", "euclid", "euler", "fermat", "fermi", "feynman",
            "franklin", "galileo", "gauss", "goldberg", "goodall", "hamilton", "hawking", "heisenberg", "hertz",
            "hodgkin", "hopper", "hypatia", "jackson", "jennings", "johnson", "kalam", "kepler", "khorana",
            "knuth", "kowalevski", "lalande", "lamport", "leakey", "lovelace", "lumiere", "mayer", "mccarthy",
            "meitner", "mendel", "merkle", "mirzakhani", "montalcini", "morse", "napier", "newton", "nobel",
            "noether", "noyce", "pascal", "pasteur", "perlman", "pike", "poincare", "ptolemy", "raman",
            "ramanujan", "ritchie", "rosalind", "sammet", "shannon", "shockley", "sinoussi", "stonebraker",
            "swanson", "tesla", "thompson", "torvalds", "turing", "villani", "wilson", "wing", "wozniak",
            "wright", "yalow", "yonath");
    private static final SecureRandom RANDOM = new SecureRandom();

    private Names() {}

    static String generate(Predicate<String> taken) {
        for (int attempt = 0; ; attempt++) {
            String name = ADJECTIVES.get(RANDOM.nextInt(ADJECTIVES.size())) + "_"
                    + SURNAMES.get(RANDOM.nextInt(SURNAMES.size()));
            if (attempt > 0) {
                name += RANDOM.nextInt(10);
            }
            if (!taken.test(name)) {
                return name;
            }
        }
    }
}

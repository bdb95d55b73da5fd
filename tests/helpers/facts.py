"""Build facts (tool version, data, model, settings) for the "How this report was made" page."""

from generator.plumbing.settings import Settings
from generator.stages.results import BuildFacts


def facts(settings: Settings) -> BuildFacts:
    return BuildFacts(tool_version="9.9.9", settings=settings.to_dict(), data_source="--data /tmp/my $data$.npz",
                      data_name="my data", data_description="28×28 grayscale images in 10 classes",
                      data_sha256="ab" * 32, train_images=60000, test_images=10000, model_sha256="cd" * 32,
                      model_description="trained here <b>bold</b>", test_accuracy=0.98765,
                      completeness_tolerance=settings.attribution.flag_tolerance)


FACTS = BuildFacts(tool_version="0.0.test", settings=Settings().to_dict(), data_source="synthetic",
                   data_name="MNIST", data_description="handwritten digits",
                   data_sha256="12" * 32, train_images=10, test_images=3, model_sha256="34" * 32,
                   model_description="closed form", test_accuracy=2 / 3,
                   completeness_tolerance=0.01)
